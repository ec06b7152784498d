/**
 * Parsing feature vectors from bytes or text, without the file system, so that the page (through
 * @aae-map/shared/browser) reads a dropped .npy or CSV with the rules `embed` reads files with: a
 * float matrix [N, D] in a .npy (float16, float32 or float64, read as float32), or a CSV of
 * numbers with an optional header row. Every problem is one UserError naming the file and where.
 */
import { UserError } from '../cli/user-error.ts';
import { parseCsv } from '../contracts/csv.ts';
import { parseNpy } from './npy.ts';

export interface FeatureMatrix {
  /** `count` rows of `dim` float32 values, row-major. */
  values: Float32Array;
  count: number;
  dim: number;
  /** With an id column: each row's id. */
  ids?: string[];
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Whether a CSV cell is a plain decimal number (no hex, no 'Infinity', not empty). */
export const isNumberCell = (cell: string): boolean => NUMBER.test(cell);

/** The records of CSV text (BOM dropped), without blank lines, and whether the first is a header. */
export function csvRecords(text: string): { header?: string[]; rows: string[][] } {
  const records = parseCsv(text.replace(/^\uFEFF/, '')).filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
  // A header row is one with a cell that is not a number; a file of numbers has none.
  const first = records[0];
  if (first && !first.every(isNumberCell)) return { header: first.map((c) => c.trim()), rows: records.slice(1) };
  return { rows: records };
}

function checkRows(file: string, rows: string[][], width: number, headerRows: number): void {
  rows.forEach((r, i) => {
    if (r.length !== width)
      throw new UserError(
        `${file} row ${i + 1 + headerRows} has ${r.length} cells but row 1 has ${width}; every row needs the same columns`,
      );
  });
}

/** Features from CSV text; `idColumn` names a column of row ids. */
export function csvFeatures(text: string, file: string, idColumn: string | undefined): FeatureMatrix {
  const { header, rows } = csvRecords(text);
  const width = header?.length ?? rows[0]?.length ?? 0;
  const skip = header ? 1 : 0;
  checkRows(file, rows, width, skip);
  let idAt = -1;
  if (idColumn !== undefined) {
    idAt = header?.indexOf(idColumn) ?? -1;
    if (idAt < 0)
      throw new UserError(`${file} has no column '${idColumn}' (--id-column); its header is ${header ? header.join(',') : 'missing'}`);
  }
  const dim = width - (idAt >= 0 ? 1 : 0);
  if (rows.length === 0 || dim === 0) throw new UserError(`${file} holds no rows of numbers`);
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    let k = i * dim;
    r.forEach((cell, c) => {
      if (c === idAt) return;
      if (!isNumberCell(cell)) {
        const column = header ? `'${header[c]}'` : String(c + 1);
        const what = cell.trim() === '' ? 'is empty' : `'${cell.length > 30 ? `${cell.slice(0, 30)}…` : cell}' is not a number`;
        throw new UserError(`${file} row ${i + 1 + skip}, column ${column}: ${what}; every feature must be a number`);
      }
      values[k++] = Number(cell);
    });
  });
  return { values, count: rows.length, dim, ids: idAt >= 0 ? rows.map((r) => r[idAt]!) : undefined };
}

/** Features from .npy bytes (already gunzipped). */
export function npyFeatures(bytes: Uint8Array, file: string): FeatureMatrix {
  const a = parseNpy(bytes, file);
  if (a.kind !== 'f')
    throw new UserError(`${file}: dtype '${a.descr}' is not supported for features; save float32 or float16 (x.astype('float32'))`);
  if (a.shape.length !== 2) throw new UserError(`${file} has shape (${a.shape.join(', ')}); features must be a 2-D array [N, D]`);
  const [count, dim] = a.shape as [number, number];
  if (count === 0 || dim === 0) throw new UserError(`${file} has shape (${count}, ${dim}); it holds no feature values`);
  const values = new Float32Array(a.size);
  for (let i = 0; i < a.size; i++) values[i] = a.at(i);
  return { values, count, dim };
}

/** `m` itself, or a UserError naming the first value that is not finite. */
export function refuseNonFinite(m: FeatureMatrix, file: string): FeatureMatrix {
  const bad = m.values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const [row, col] = [Math.floor(bad / m.dim), bad % m.dim];
    throw new UserError(`${file} row ${row + 1}, column ${col + 1} is ${m.values[bad]}; every feature must be a finite number`);
  }
  return m;
}

/** Refuses vectors of `dim` features for a model that takes `modelDim`, naming both files. */
export function checkVectorDim(file: string, dim: number, modelFile: string, modelDim: number): void {
  if (dim !== modelDim)
    throw new UserError(
      `${file} holds ${dim}-D vectors but ${modelFile} takes ${modelDim}-D ones; give vectors of the features it was trained on`,
    );
}
