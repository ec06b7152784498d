/**
 * The points.csv format (DESIGN.md): `path,x,y,cluster,confidence`, plus `z0..z{d-1}` with
 * --style. Floats are written with 9 significant digits, which round-trips float32 exactly.
 * Browser-safe, so that `embed` and the page write the same bytes.
 */
import { csvField } from './csv.ts';

export const BASE_COLUMNS = ['path', 'x', 'y', 'cluster', 'confidence'] as const;

/** Column names for a model with `styleDim` style dims; 0 leaves the z columns out. */
export function pointsColumns(styleDim: number): string[] {
  return [...BASE_COLUMNS, ...Array.from({ length: styleDim }, (_, i) => `z${i}`)];
}

/** Shortest of the 9-significant-digit form, which parses back to the same float32. */
export function formatFloat32(v: number): string {
  return String(Number(v.toPrecision(9)));
}

/** The model outputs a points row needs; onnxruntime-node's and -web's results both fit. */
export interface PointOutputs {
  /** [N, 2] */
  point: Float32Array;
  /** [N, n] */
  clusterProb: Float32Array;
  /** [N, d] */
  style: Float32Array;
}

/** Index of image i's most probable cluster in `clusterProb` [N, n] (the first one on ties). */
export function bestCluster(clusterProb: ArrayLike<number>, i: number, clusters: number): number {
  let best = 0;
  for (let k = 1; k < clusters; k++) if (clusterProb[i * clusters + k]! > clusterProb[i * clusters + best]!) best = k;
  return best;
}

/** One CSV record (with its CRLF); `z` adds the style columns. */
export function formatPointRow(path: string, x: number, y: number, cluster: number, confidence: number, z?: ArrayLike<number>): string {
  let line = `${csvField(path)},${formatFloat32(x)},${formatFloat32(y)},${cluster},${formatFloat32(confidence)}`;
  if (z) for (let j = 0; j < z.length; j++) line += `,${formatFloat32(z[j]!)}`;
  return line + '\r\n';
}

/**
 * Formats one CSV record per image. `paths[i]` belongs to image i of `out`; `clusters` and
 * `styleDim` are the model's n and d; `withStyle` adds the z columns.
 */
export function formatPointRows(paths: readonly string[], out: PointOutputs, clusters: number, styleDim: number, withStyle: boolean): string {
  let text = '';
  for (let i = 0; i < paths.length; i++) {
    const best = bestCluster(out.clusterProb, i, clusters);
    const z = withStyle ? out.style.subarray(i * styleDim, (i + 1) * styleDim) : undefined;
    text += formatPointRow(paths[i]!, out.point[2 * i]!, out.point[2 * i + 1]!, best, out.clusterProb[i * clusters + best]!, z);
  }
  return text;
}

/** One parsed row of points.csv. */
export interface PointRow {
  path: string;
  x: number;
  y: number;
  cluster: number;
  confidence: number;
  /** Style vector; empty without z columns. */
  z: number[];
}

export function parsePointRow(fields: readonly string[]): PointRow {
  return {
    path: fields[0]!,
    x: Number(fields[1]),
    y: Number(fields[2]),
    cluster: Number(fields[3]),
    confidence: Number(fields[4]),
    z: fields.slice(BASE_COLUMNS.length).map(Number),
  };
}
