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
  return formatFast(v) ?? String(Number(v.toPrecision(9)));
}

/** Exact powers of ten; 10 ** k is not guaranteed to be. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/**
 * formatFloat32's string without toPrecision, which costs most of a CSV row (embed writes rows
 * on the thread that runs the model). For a float32 of magnitude 1e-4 to 1e9, |v|·10^k with
 * k <= 12 is exact in a double (24 + 28 significant bits), so rounding it to 9 digits, ties
 * away from zero, is toPrecision's rounding; and a number of at most 9 digits prints as its
 * digits (the shortest form). Anything else returns undefined and takes the slow path.
 */
function formatFast(v: number): string | undefined {
  const a = Math.abs(v);
  if (!(a >= 1e-4 && a < 1e9) || Math.fround(v) !== v) return undefined;
  let e = Math.floor(Math.log10(a));
  for (let tries = 0; tries < 2; tries++) {
    const k = 8 - e;
    if (k < 0 || k > 12) return undefined;
    const n = Math.floor(a * POW10[k]! + 0.5);
    if (n >= 1e9) e++;
    else if (n < 1e8) e--;
    else return (v < 0 ? '-' : '') + placePoint(String(n), e);
  }
  return undefined;
}

/** The 9 digits of d.dddddddd × 10^e in fixed notation, without trailing fraction zeros. */
function placePoint(digits: string, e: number): string {
  let end = digits.length;
  while (end > Math.max(e + 1, 1) && digits.charCodeAt(end - 1) === 48) end--;
  if (e >= 0) return end > e + 1 ? `${digits.slice(0, e + 1)}.${digits.slice(e + 1, end)}` : digits.slice(0, e + 1);
  return `0.${'0'.repeat(-e - 1)}${digits.slice(0, end)}`;
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
