/**
 * The project's one Parquet reader (hyparquet): footers, whole columns, and row groups one at a
 * time. embed's points files and feature vectors are both read here; only writing (hyparquet-
 * writer) lives with embed. Loaded on demand (`@aae-map/shared/parquet`), so commands that read
 * no Parquet do not load it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileMetaData } from 'hyparquet';
import { asyncBufferFromFile, parquetMetadata, parquetMetadataAsync, parquetRead, parquetReadObjects, parquetSchema } from 'hyparquet';

export type { ColumnChunk, FileMetaData, KeyValue, RowGroup } from 'hyparquet';

/** 'PAR1', little-endian: the first and last four bytes of every Parquet file. */
export const PARQUET_MAGIC = 0x31524150;

/** `length` bytes of an open file from `position`; a file shorter than that throws. */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  for (let got = 0; got < length; ) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new Error('unexpected end of file');
    got += n;
  }
  return buf;
}

/** The footer of a Parquet file; undefined when the file is not one (no PAR1 marks, or a bad footer). Opening it may throw. */
export function readParquetMeta(file: string): FileMetaData | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 12) return undefined;
    const tail = readAt(fd, size - 8, 8);
    const view = new DataView(tail.buffer);
    const length = view.getUint32(0, true);
    if (view.getUint32(4, true) !== PARQUET_MAGIC || length + 12 > size) return undefined;
    return parquetMetadata(readAt(fd, size - 8 - length, length + 8).buffer as ArrayBuffer);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The value of a key-value metadata entry. */
export const metaValue = (meta: FileMetaData, key: string) => meta.key_value_metadata?.find((kv) => kv.key === key)?.value;

/** The names of a file's leaf columns, in order (for flat files, its columns). */
export const columnNames = (meta: FileMetaData) => meta.schema.slice(1).map((e) => e.name);

/** A top-level column: its name, and whether each row holds a list of values rather than one. */
export interface TopColumn {
  name: string;
  list: boolean;
}

/** The columns a table shows (a LIST is one column, not its leaf). */
export function topColumns(meta: FileMetaData): TopColumn[] {
  return parquetSchema(meta).children.map((c) => ({
    name: c.element.name,
    list: c.element.converted_type === 'LIST' || c.element.logical_type?.type === 'LIST' || c.element.repetition_type === 'REPEATED',
  }));
}

/** Every value of each named column, in row order (numbers, bigints, strings, null, or arrays for lists). */
export async function readParquetColumns(file: string, columns: string[]): Promise<Map<string, unknown[]>> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const rows = Number(metadata.num_rows);
  const out = new Map(columns.map((c) => [c, new Array<unknown>(rows)]));
  await parquetRead({
    file: buffer,
    metadata,
    columns,
    onChunk({ columnName, columnData, rowStart }) {
      const into = out.get(columnName);
      if (!into) return;
      for (let i = 0; i < columnData.length && rowStart + i < rows; i++) into[rowStart + i] = columnData[i];
    },
  });
  return out;
}

/** The rows of `columns` as objects, one row group at a time. */
export async function* parquetRowGroups(file: string, columns: string[]): AsyncGenerator<Record<string, unknown>[]> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  let rowStart = 0;
  for (const rg of metadata.row_groups) {
    const rowEnd = rowStart + Number(rg.num_rows);
    yield await parquetReadObjects({ file: buffer, metadata, columns, rowStart, rowEnd });
    rowStart = rowEnd;
  }
}

/** Streams the rows of `columns`, as objects, a row group at a time; returns their count. */
export async function readParquetRows(file: string, columns: string[], onRow: (row: Record<string, unknown>) => void): Promise<number> {
  let count = 0;
  for await (const rows of parquetRowGroups(file, columns)) {
    for (const r of rows) onRow(r);
    count += rows.length;
  }
  return count;
}
