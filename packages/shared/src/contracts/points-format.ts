/**
 * The points.csv format (docs/model-format.md): `path,x,y,cluster,confidence`, plus `z0..z{d-1}` with
 * --style. Floats are written with 9 significant digits, which round-trips float32 exactly.
 * Browser-safe, so that `embed` and the page write the same bytes.
 */
import { csvField } from './csv.ts';

export const BASE_COLUMNS = ['path', 'x', 'y', 'cluster', 'confidence'] as const;

/** Column names for a model with `styleDim` style dims; 0 leaves the z columns out. */
export function pointsColumns(styleDim: number): string[] {
  return [...BASE_COLUMNS, ...Array.from({ length: styleDim }, (_, i) => `z${i}`)];
}

/** The header of `<out>.errors.csv`, where embed (and the page's errors.csv) list the files left out, with why. */
export const ERROR_COLUMNS = ['path', 'reason'] as const;

/** Whether a CSV header is one that embed writes, with any number of z columns. */
export function isPointsHeader(header: readonly string[]): boolean {
  return header.length >= BASE_COLUMNS.length && pointsColumns(header.length - BASE_COLUMNS.length).every((c, i) => header[i] === c);
}

/** Exact powers of ten; 10 ** k is not guaranteed to be. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

const COMMA = 44;
const ZERO = 48;

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

/**
 * Writes points.csv records straight into UTF-8 bytes. embed formats its rows on the thread
 * that runs the model, between model calls: for 20,000 rows, building strings and encoding
 * them took 12-19 ms here, against about 7.5 ms this way. The string forms below
 * (formatFloat32, formatPointRow, formatPointRows) go through this writer too, so the page
 * and embed write the same bytes.
 */
export class PointRowWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private readonly digits = new Uint8Array(9);
  private readonly utf8 = new TextEncoder();

  /** The bytes written since the last take(): a view of the writer's buffer, valid until the next write. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.len = 0;
    return out;
  }

  /** One record, with its CRLF; `z` adds the style columns. */
  row(path: string, x: number, y: number, cluster: number, confidence: number, z?: ArrayLike<number>): void {
    this.field(path);
    this.byte(COMMA);
    this.float32(x);
    this.byte(COMMA);
    this.float32(y);
    this.byte(COMMA);
    this.ascii(String(cluster));
    this.byte(COMMA);
    this.float32(confidence);
    if (z) {
      for (let j = 0; j < z.length; j++) {
        this.byte(COMMA);
        this.float32(z[j]!);
      }
    }
    this.byte(13);
    this.byte(10);
  }

  /**
   * One record per image. `paths[i]` belongs to image i of `out`; `clusters` and `styleDim` are
   * the model's n and d; `withStyle` adds the z columns.
   */
  rows(paths: readonly string[], out: PointOutputs, clusters: number, styleDim: number, withStyle: boolean): void {
    for (let i = 0; i < paths.length; i++) {
      const best = bestCluster(out.clusterProb, i, clusters);
      const z = withStyle ? out.style.subarray(i * styleDim, (i + 1) * styleDim) : undefined;
      this.row(paths[i]!, out.point[2 * i]!, out.point[2 * i + 1]!, best, out.clusterProb[i * clusters + best]!, z);
    }
  }

  /**
   * The shortest of the 9-significant-digit forms, which parses back to the same float32, as
   * String(Number(v.toPrecision(9))) gives it but without toPrecision. For a float32 of
   * magnitude 1e-4 to 1e9, |v|·10^k with k <= 12 is exact in a double (24 + 28 significant
   * bits), so rounding it to 9 digits, ties away from zero, is toPrecision's rounding; and a
   * number of at most 9 digits prints as its digits. Anything else takes toPrecision.
   */
  float32(v: number): void {
    const a = Math.abs(v);
    if (a >= 1e-4 && a < 1e9 && Math.fround(v) === v) {
      let e = Math.floor(Math.log10(a));
      for (let tries = 0; tries < 2; tries++) {
        const k = 8 - e;
        if (k < 0 || k > 12) break;
        const n = Math.floor(a * POW10[k]! + 0.5);
        if (n >= 1e9) e++;
        else if (n < 1e8) e--;
        else {
          this.placePoint(v < 0, n, e);
          return;
        }
      }
    }
    this.ascii(String(Number(v.toPrecision(9))));
  }

  /** The 9 digits of n = d.dddddddd × 10^e in fixed notation, without trailing fraction zeros. */
  private placePoint(negative: boolean, n: number, e: number): void {
    const d = this.digits;
    // n < 1e9 fits an int32, where dividing by 10 compiles to a multiply (double division is ~15 cycles).
    for (let i = 8, m = n | 0; i >= 0; i--) {
      const q = (m / 10) | 0;
      d[i] = ZERO + m - 10 * q;
      m = q;
    }
    let end = 9;
    while (end > Math.max(e + 1, 1) && d[end - 1] === ZERO) end--;
    this.reserve(end + 12);
    const buf = this.buf;
    let at = this.len;
    if (negative) buf[at++] = 45;
    if (e >= 0) {
      for (let i = 0; i <= e; i++) buf[at++] = d[i]!;
      if (end > e + 1) buf[at++] = 46;
      for (let i = e + 1; i < end; i++) buf[at++] = d[i]!;
    } else {
      buf[at++] = ZERO;
      buf[at++] = 46;
      for (let i = 1; i < -e; i++) buf[at++] = ZERO;
      for (let i = 0; i < end; i++) buf[at++] = d[i]!;
    }
    this.len = at;
  }

  /** A CSV field: plain ASCII without , " CR LF is copied as is; anything else goes through csvField and UTF-8. */
  private field(value: string): void {
    this.reserve(value.length);
    const buf = this.buf;
    const at = this.len;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80 || c === 34 || c === COMMA || c === 13 || c === 10) {
        const quoted = csvField(value);
        this.reserve(3 * quoted.length);
        this.len += this.utf8.encodeInto(quoted, this.buf.subarray(this.len)).written;
        return;
      }
      buf[at + i] = c;
    }
    this.len = at + value.length;
  }

  /** A string known to be ASCII. */
  private ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buf.length, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}

const scratch = new PointRowWriter();
const utf8 = new TextDecoder();

/** formatFloat32's bytes as a string. */
export function formatFloat32(v: number): string {
  scratch.float32(v);
  return utf8.decode(scratch.take());
}

/** One CSV record (with its CRLF) as a string; `z` adds the style columns. */
export function formatPointRow(path: string, x: number, y: number, cluster: number, confidence: number, z?: ArrayLike<number>): string {
  scratch.row(path, x, y, cluster, confidence, z);
  return utf8.decode(scratch.take());
}

/** PointRowWriter.rows as a string. */
export function formatPointRows(
  paths: readonly string[],
  out: PointOutputs,
  clusters: number,
  styleDim: number,
  withStyle: boolean,
): string {
  scratch.rows(paths, out, clusters, styleDim, withStyle);
  return utf8.decode(scratch.take());
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

/** What makes a numeric field unusable, or undefined: Number('') is 0 and Number('abc') NaN, both silently wrong. */
function numberProblem(field: string | undefined, wholeNumber: boolean): string | undefined {
  const v = Number(field);
  if (field === undefined || field.trim() === '' || !Number.isFinite(v)) return 'is not a number';
  if (wholeNumber && !(Number.isInteger(v) && v >= 0)) return 'is not a whole number';
  return undefined;
}

/**
 * Why the numbers of a points.csv record cannot be drawn ("y is 'abc', not a number"), or
 * undefined when x, y, confidence and the z columns are finite numbers and cluster a whole number.
 */
export function pointRowProblem(fields: readonly string[], header: readonly string[]): string | undefined {
  for (let j = 1; j < header.length; j++) {
    const problem = numberProblem(fields[j], j === 3);
    if (problem) return `${header[j]} is '${fields[j] ?? ''}', which ${problem}`;
  }
  return undefined;
}
