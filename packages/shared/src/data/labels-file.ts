/**
 * Labels for feature vectors, one per row: a .npy vector of whole numbers (class indices; −1, or
 * NaN in a float array, is unlabelled) or a CSV or Parquet column of class indices or class names
 * (an empty cell, a null or −1 is unlabelled). Class names come from the CSV's names or from a JSON list.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../cli/user-error.ts';
import { readDataFile } from './data-file.ts';
import { featureFormat, readCsvRecords } from './feature-file.ts';
import { parseNpy } from './npy.ts';

export interface LabelColumn {
  /** Per row, a class index, or −1 when unlabelled. */
  labels: Int32Array;
  /** Where the file names its classes (a CSV of names): the sorted names, which the indices point into. */
  classNames?: string[];
}

/** The column a labels CSV uses: 'label' when the header has one, else its only column. */
export const LABEL_COLUMN = 'label';

const WHOLE = /^\s*[+-]?\d+\s*$/;

async function readNpyLabels(file: string): Promise<LabelColumn> {
  const a = parseNpy(await readDataFile(file), file);
  if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)))
    throw new UserError(`${file} has shape (${a.shape.join(', ')}); labels must be a 1-D array [N]`);
  const labels = new Int32Array(a.size);
  for (let i = 0; i < a.size; i++) {
    const v = a.at(i);
    if (Number.isNaN(v)) labels[i] = -1;
    else if (Number.isInteger(v) && v >= -1 && v < 2 ** 31) labels[i] = v;
    else throw new UserError(`${file}: label ${i} is ${v}; labels are class indices 0, 1, … or −1 for unlabelled`);
  }
  return { labels };
}

async function readCsvLabelCells(file: string): Promise<string[]> {
  const { header, rows } = await readCsvRecords(file);
  const width = header?.length ?? rows[0]?.length ?? 0;
  const at = header && width > 1 ? header.indexOf(LABEL_COLUMN) : 0;
  if (at < 0 || (!header && width > 1))
    throw new UserError(`${file} has ${width} columns; give one column of labels, or a header naming the '${LABEL_COLUMN}' column`);
  return rows.map((r, i) => {
    if (r.length !== width)
      throw new UserError(`${file} row ${i + 1 + (header ? 1 : 0)} has ${r.length} cells but the header has ${width}`);
    return r[at]!.trim();
  });
}

/** Labels from text cells (a CSV's or a Parquet column's): all whole numbers are class indices, otherwise class names. */
function labelsFromCells(file: string, cells: string[]): LabelColumn {
  const unlabelled = (c: string) => c === '' || c === '-1';
  if (cells.every((c) => unlabelled(c) || WHOLE.test(c))) {
    const labels = Int32Array.from(cells, (c) => (unlabelled(c) ? -1 : Number(c)));
    const bad = labels.findIndex((l) => l < -1);
    if (bad >= 0) throw new UserError(`${file}: label ${bad + 1} is ${labels[bad]}; labels are class indices 0, 1, … or −1 for unlabelled`);
    return { labels };
  }
  const classNames = [...new Set(cells.filter((c) => !unlabelled(c)))].sort();
  const index = new Map(classNames.map((n, k) => [n, k]));
  return { labels: Int32Array.from(cells, (c) => (unlabelled(c) ? -1 : index.get(c)!)), classNames };
}

async function labelCells(file: string, format: 'csv' | 'parquet'): Promise<string[]> {
  if (format === 'csv') return readCsvLabelCells(file);
  return (await import('./parquet-features.ts')).readParquetLabelCells(file, LABEL_COLUMN);
}

/** Reads labels for `count` rows of `dataFile`; a different count is a UserError naming both files. */
export async function readLabels(file: string, count: number, dataFile: string): Promise<LabelColumn> {
  const format = featureFormat(file);
  if (!format) throw new UserError(`${file} is not .npy, .csv or .parquet; give labels as a .npy vector or a one-column CSV or Parquet`);
  const col = format === 'npy' ? await readNpyLabels(file) : labelsFromCells(file, await labelCells(file, format));
  if (col.labels.length !== count)
    throw new UserError(
      `${file} has ${col.labels.length} labels but ${dataFile} has ${count} rows; give one label per row (−1 or empty when unknown)`,
    );
  return col;
}

/** Class names for labels up to `maxLabel` that have none of their own: '0', '1', … */
export const numberedClassNames = (maxLabel: number): string[] => Array.from({ length: maxLabel + 1 }, (_, i) => String(i));

/**
 * A JSON list of class names (`["setosa", "versicolor", …]`): name k is class k's. It must name
 * every class up to `maxLabel`.
 */
export async function readClassNames(file: string, maxLabel: number): Promise<string[]> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError(`cannot read class names from ${file} (${why}); give a JSON list of strings, e.g. ["cat", "dog"]`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string') || new Set(v).size !== v.length)
    throw new UserError(`${file} is not a JSON list of distinct class names (strings), e.g. ["cat", "dog"]`);
  if (v.length <= maxLabel) throw new UserError(`${file} names ${v.length} classes but the labels go up to ${maxLabel}; name every class`);
  return v as string[];
}
