/**
 * NumPy's .npy format (numpy.lib.format, versions 1–3): the magic string \x93NUMPY, a version, a
 * header length, a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }`
 * and the raw data. Feature matrices are read as float32 (from float16, float32 or float64), label
 * vectors as whole numbers (from any integer type, or floats that hold whole numbers).
 */
import { UserError } from '../cli/user-error.ts';

/** A parsed .npy array: its shape and its elements in C (row-major) order, as numbers. */
export interface NpyArray {
  shape: number[];
  /** The dtype as the header writes it, e.g. '<f4'. */
  descr: string;
  kind: 'f' | 'i' | 'u';
  /** Element `i` in C order. */
  at(i: number): number;
  size: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const SUPPORTED = 'float16, float32 or float64 (features), or an integer type (labels)';

/** Half-precision bits to a number (numpy's float16: IEEE 754 binary16). */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function header(bytes: Uint8Array, file: string): { text: string; start: number } {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new UserError(`${file} is not a .npy file (bad magic string)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new UserError(`${file}: .npy format version ${major} is not supported (1 to 3 are)`);
  const wide = major >= 2;
  const lenAt = 8;
  if (bytes.length < lenAt + (wide ? 4 : 2)) throw new UserError(`${file} is truncated (header)`);
  const len = wide ? view.getUint32(lenAt, true) : view.getUint16(lenAt, true);
  const start = lenAt + (wide ? 4 : 2) + len;
  if (bytes.length < start) throw new UserError(`${file} is truncated (header)`);
  return { text: new TextDecoder().decode(bytes.subarray(start - len, start)), start };
}

function element(view: DataView, kind: string, size: number, little: boolean): ((offset: number) => number) | undefined {
  if (kind === 'f' && size === 2) return (o) => halfToNumber(view.getUint16(o, little));
  if (kind === 'f' && size === 4) return (o) => view.getFloat32(o, little);
  if (kind === 'f' && size === 8) return (o) => view.getFloat64(o, little);
  if (kind === 'i' && size === 1) return (o) => view.getInt8(o);
  if (kind === 'u' && size === 1) return (o) => view.getUint8(o);
  if (kind === 'i' && size === 2) return (o) => view.getInt16(o, little);
  if (kind === 'u' && size === 2) return (o) => view.getUint16(o, little);
  if (kind === 'i' && size === 4) return (o) => view.getInt32(o, little);
  if (kind === 'u' && size === 4) return (o) => view.getUint32(o, little);
  if (kind === 'i' && size === 8) return (o) => Number(view.getBigInt64(o, little));
  if (kind === 'u' && size === 8) return (o) => Number(view.getBigUint64(o, little));
  return undefined;
}

/** Parses .npy bytes (already gunzipped); errors name `file` and what is wrong. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const { text, start } = header(bytes, file);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new UserError(`${file}: the .npy header is not a dict with descr, fortran_order and shape`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const m = /^([<>|=])([fiu])(\d+)$/.exec(descr);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  const get = m ? element(view, m[2]!, Number(m[3]), m[1] !== '>') : undefined;
  if (!m || !get) throw new UserError(`${file}: dtype '${descr}' is not supported; save ${SUPPORTED}`);
  const itemsize = Number(m[3]);
  const size = shape.reduce((p, d) => p * d, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new UserError(`${file}: the .npy shape (${shapeText}) is not valid`);
  if (view.byteLength < size * itemsize) {
    throw new UserError(
      `${file} is truncated: its header says shape (${shape.join(', ')}) of '${descr}', ${size * itemsize} bytes of data, and the file has ${view.byteLength}`,
    );
  }
  // Fortran order only matters for 2-D arrays here: element (r, c) sits at c·rows + r.
  const fortranIndex = fortran === 'True' && shape.length === 2;
  const [rows, cols] = [shape[0] ?? 1, shape[1] ?? 1];
  const at = fortranIndex ? (i: number) => get(((i % cols) * rows + Math.floor(i / cols)) * itemsize) : (i: number) => get(i * itemsize);
  return { shape, descr, kind: m[2] as NpyArray['kind'], at, size };
}
