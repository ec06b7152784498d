/**
 * Feature vectors and labels from Parquet: either numeric columns (one feature each) or one list
 * column of numbers (one vector a row), plus an optional id column. Nulls, text, ragged lists and
 * anything else that is not a number are one UserError naming the file, the row and the column.
 */
import { UserError } from '../cli/user-error.ts';
import type { FeatureMatrix } from './feature-parse.ts';
import { readParquetColumns, readParquetMeta, type TopColumn, topColumns } from './parquet-read.ts';

/** The file's columns; an unreadable file or one that is not Parquet is a UserError. */
function columnsOf(file: string): { columns: TopColumn[]; rows: number } {
  let meta: ReturnType<typeof readParquetMeta>;
  try {
    meta = readParquetMeta(file);
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!meta) throw new UserError(`${file} is not a Parquet file (no PAR1 footer); it may be cut short`);
  return { columns: topColumns(meta), rows: Number(meta.num_rows) };
}

const shown = (v: unknown) => {
  const s = typeof v === 'string' ? `'${v}'` : v instanceof Date ? 'a date' : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 30 ? `${s.slice(0, 30)}…` : s;
};

/** A cell as a number, or a UserError saying why it is not one. */
function numberAt(file: string, row: number, column: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const what = v === null || v === undefined ? 'is null' : `holds ${shown(v)}, not a number`;
  throw new UserError(`${file} row ${row + 1}, column '${column}' ${what}; every feature must be a number (drop or fill missing values)`);
}

function fromScalars(file: string, names: string[], data: Map<string, unknown[]>, rows: number): Float32Array {
  const dim = names.length;
  const values = new Float32Array(rows * dim);
  names.forEach((name, k) => {
    const col = data.get(name)!;
    for (let i = 0; i < rows; i++) values[i * dim + k] = numberAt(file, i, name, col[i]);
  });
  return values;
}

function fromList(file: string, name: string, col: unknown[], rows: number): { values: Float32Array; dim: number } {
  const lengthAt = (i: number) => {
    const v = col[i];
    if (!Array.isArray(v)) throw new UserError(`${file} row ${i + 1}, column '${name}' is null; every row needs a vector`);
    return v.length;
  };
  const dim = lengthAt(0);
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    if (lengthAt(i) !== dim)
      throw new UserError(
        `${file} row ${i + 1}, column '${name}' holds ${lengthAt(i)} values but row 1 holds ${dim}; every vector needs the same length`,
      );
    (col[i] as unknown[]).forEach((v, k) => {
      values[i * dim + k] = numberAt(file, i, `${name}[${k}]`, v);
    });
  }
  return { values, dim };
}

/** Reads features from a Parquet file; `idColumn` names a column of row ids. */
export async function readParquetFeatures(file: string, idColumn: string | undefined): Promise<FeatureMatrix> {
  const { columns, rows } = columnsOf(file);
  const names = columns.map((c) => c.name);
  if (idColumn !== undefined && !names.includes(idColumn))
    throw new UserError(`${file} has no column '${idColumn}' (--id-column); its columns are ${names.join(',')}`);
  const features = columns.filter((c) => c.name !== idColumn);
  const list = features.find((c) => c.list);
  if (list && features.length > 1)
    throw new UserError(
      `${file} has a list column '${list.name}' beside other columns; give numeric columns, or one list column of features (--id-column names the id)`,
    );
  if (rows === 0 || features.length === 0) throw new UserError(`${file} holds no rows of numbers`);
  const data = await readParquetColumns(file, names);
  const m = list
    ? fromList(file, list.name, data.get(list.name)!, rows)
    : {
        values: fromScalars(
          file,
          features.map((c) => c.name),
          data,
          rows,
        ),
        dim: features.length,
      };
  if (m.dim === 0) throw new UserError(`${file} row 1, column '${list!.name}' is an empty list; every row needs a vector`);
  const ids = idColumn === undefined ? undefined : data.get(idColumn)!.map((v, i) => idCell(file, i, idColumn, v));
  return { ...m, count: rows, ids };
}

function idCell(file: string, row: number, column: string, v: unknown): string {
  if (v === null || v === undefined) throw new UserError(`${file} row ${row + 1}, column '${column}' is null; every row needs an id`);
  return typeof v === 'string' ? v : String(v);
}

/** The cells of a labels file's label column as text (null → empty): its 'label' column, or its only column. */
export async function readParquetLabelCells(file: string, labelColumn: string): Promise<string[]> {
  const { columns } = columnsOf(file);
  const at = columns.length === 1 ? columns[0]! : columns.find((c) => c.name === labelColumn);
  if (!at || at.list)
    throw new UserError(`${file} has ${columns.length} columns; give one column of labels, or one named '${labelColumn}'`);
  const col = (await readParquetColumns(file, [at.name])).get(at.name)!;
  return col.map((v) => (v === null || v === undefined ? '' : String(v)));
}
