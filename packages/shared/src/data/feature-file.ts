/**
 * Feature vectors to train on or embed: a float matrix [N, D] in a .npy file (float16, float32 or
 * float64, read as float32) or a CSV of numbers (an optional header row; gzipped or not). Every
 * problem is one UserError naming the file and where.
 */
import { basename } from 'node:path';
import { UserError } from '../cli/user-error.ts';
import { parseCsv } from '../contracts/csv.ts';
import { readDataFile, withoutGz } from './data-file.ts';
import { parseNpy } from './npy.ts';

export interface FeatureMatrix {
  /** `count` rows of `dim` float32 values, row-major. */
  values: Float32Array;
  count: number;
  dim: number;
  /** With an id column: each row's id. */
  ids?: string[];
}

/** 'npy' or 'csv' by the file's name (a .gz after it allowed), or undefined for any other file. */
export function featureFormat(file: string): 'npy' | 'csv' | undefined {
  const ext = /\.([^.]+)$/.exec(withoutGz(basename(file)))?.[1]?.toLowerCase();
  return ext === 'npy' || ext === 'csv' ? ext : undefined;
}

/** A file's name without its data extensions: `vectors.csv.gz` → `vectors`. */
export function featureSetName(file: string): string {
  return withoutGz(basename(file)).replace(/\.(npy|csv)$/i, '');
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Whether a CSV cell is a plain decimal number (no hex, no 'Infinity', not empty). */
export const isNumberCell = (cell: string): boolean => NUMBER.test(cell);

/** The records of a CSV file (gunzipped, BOM dropped), without blank lines, and whether the first is a header. */
export async function readCsvRecords(file: string): Promise<{ header?: string[]; rows: string[][] }> {
  const text = new TextDecoder().decode(await readDataFile(file)).replace(/^\uFEFF/, '');
  const records = parseCsv(text).filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
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

async function readCsvFeatures(file: string, idColumn: string | undefined): Promise<FeatureMatrix> {
  const { header, rows } = await readCsvRecords(file);
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

async function readNpyFeatures(file: string): Promise<FeatureMatrix> {
  const a = parseNpy(await readDataFile(file), file);
  if (a.kind !== 'f')
    throw new UserError(`${file}: dtype '${a.descr}' is not supported for features; save float32 or float16 (x.astype('float32'))`);
  if (a.shape.length !== 2) throw new UserError(`${file} has shape (${a.shape.join(', ')}); features must be a 2-D array [N, D]`);
  const [count, dim] = a.shape as [number, number];
  if (count === 0 || dim === 0) throw new UserError(`${file} has shape (${count}, ${dim}); it holds no feature values`);
  const values = new Float32Array(a.size);
  for (let i = 0; i < a.size; i++) values[i] = a.at(i);
  return { values, count, dim };
}

/** Reads `file` as features (.npy or .csv by its name); `idColumn` names a CSV column of row ids. Non-finite values are refused. */
export async function readFeatures(file: string, idColumn?: string): Promise<FeatureMatrix> {
  const format = featureFormat(file);
  if (!format) throw new UserError(`${file} is neither .npy nor .csv; give features as a .npy array [N, D] or a CSV of numbers`);
  if (idColumn !== undefined && format !== 'csv') throw new UserError(`--id-column is for CSV files, and ${file} is .npy`);
  const m = format === 'npy' ? await readNpyFeatures(file) : await readCsvFeatures(file, idColumn);
  const bad = m.values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const [row, col] = [Math.floor(bad / m.dim), bad % m.dim];
    throw new UserError(`${file} row ${row + 1}, column ${col + 1} is ${m.values[bad]}; every feature must be a finite number`);
  }
  return m;
}
