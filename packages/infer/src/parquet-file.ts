/**
 * Parquet files of points (docs/model-format.md): written with hyparquet-writer, one row group
 * per call, and joined into one file by copying their row groups' bytes, so that the end of a run
 * costs a file copy, not a decode and an encode of every row.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import {
  type FileMetaData,
  type KeyValue,
  PARQUET_MAGIC as MAGIC,
  metaValue,
  type RowGroup,
  readAt,
  readParquetMeta,
  readParquetRows,
} from '@aae-map/shared/parquet';
import { ByteWriter, parquetWriteBuffer } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';

export { columnNames, metaValue, readParquetMeta } from '@aae-map/shared/parquet';

/** Key-value metadata every points file from embed carries; its value is the format version. */
export const POINTS_KEY = 'aae_map_points';

export interface PointColumns {
  path: string[];
  x: Float32Array;
  y: Float32Array;
  confidence: Float32Array;
  cluster: Int32Array;
  /** z0..z{d-1}, present with --style. */
  z: Float32Array[];
}

/** One Parquet file of one row group, its columns in points.csv's order (pointsColumns) (none when there are no rows), with `kv` added to POINTS_KEY. */
export function encodePoints(c: PointColumns, kv: KeyValue[]): Uint8Array {
  const rows = c.path.length;
  // No page indexes: they hold offsets into the file, which change when row groups are joined (joinParquet).
  const column = { nullable: false, offsetIndex: false };
  const float = (name: string, data: Float32Array) => ({ name, data, type: 'FLOAT' as const, ...column });
  const buffer = parquetWriteBuffer({
    columnData: [
      // Paths are unique: trying a dictionary for them cost 0.8 of the 2 µs a row takes to encode.
      { name: 'path', data: c.path, type: 'STRING', encoding: 'PLAIN', ...column },
      float('x', c.x),
      float('y', c.y),
      { name: 'cluster', data: c.cluster, type: 'INT32', ...column },
      float('confidence', c.confidence),
      ...c.z.map((z, k) => float(`z${k}`, z)),
    ],
    rowGroupSize: Math.max(1, rows),
    kvMetadata: [{ key: POINTS_KEY, value: '1' }, ...kv],
    createdBy: 'aae-map embed',
  });
  return new Uint8Array(buffer);
}

/** Whether a file is a points file from embed: Parquet whose footer carries POINTS_KEY. */
export const isPointsParquet = (file: string) => {
  const meta = readParquetMeta(file);
  return meta !== undefined && metaValue(meta, POINTS_KEY) !== undefined;
};

const shift = (v: bigint | undefined, by: bigint) => (v === undefined ? undefined : v + by);

/** A row group moved `by` bytes further into a file. */
function moved(rg: RowGroup, by: bigint): RowGroup {
  return {
    ...rg,
    file_offset: shift(rg.file_offset, by),
    columns: rg.columns.map((c) => ({
      ...c,
      file_offset: c.file_offset + by,
      meta_data: c.meta_data && {
        ...c.meta_data,
        data_page_offset: c.meta_data.data_page_offset + by,
        dictionary_page_offset: shift(c.meta_data.dictionary_page_offset, by),
        index_page_offset: shift(c.meta_data.index_page_offset, by),
        bloom_filter_offset: shift(c.meta_data.bloom_filter_offset, by),
      },
    })),
  };
}

const COPY_CHUNK = 1 << 20;

/**
 * Writes the row groups of `sources` (Parquet files of one schema, without page indexes), in
 * order, into `target` as one file whose key-value metadata is `kv`. The column chunks are copied
 * as they are; only their offsets in the footer change.
 */
export function joinParquet(sources: string[], target: string, kv: KeyValue[]): void {
  const out = openSync(target, 'w');
  try {
    const write = (bytes: Uint8Array) => {
      for (let off = 0; off < bytes.length; ) off += writeSync(out, bytes, off);
    };
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, MAGIC, true);
    write(head);
    let offset = 4;
    const rowGroups: RowGroup[] = [];
    let first: FileMetaData | undefined;
    for (const file of sources) {
      const meta = readParquetMeta(file);
      if (!meta) throw new Error(`${file} is not a Parquet file`);
      first ??= meta;
      const fd = openSync(file, 'r');
      try {
        // Everything between the leading PAR1 and the footer is column chunks.
        const end = fstatSync(fd).size - 8 - meta.metadata_length;
        for (let at = 4; at < end; at += COPY_CHUNK) write(readAt(fd, at, Math.min(COPY_CHUNK, end - at)));
        for (const rg of meta.row_groups) rowGroups.push(moved(rg, BigInt(offset - 4)));
        offset += end - 4;
      } finally {
        closeSync(fd);
      }
    }
    if (!first) throw new Error('no Parquet file to join');
    const footer = new ByteWriter();
    const num_rows = rowGroups.reduce((n, rg) => n + rg.num_rows, 0n);
    writeMetadata(footer, { ...first, num_rows, row_groups: rowGroups, key_value_metadata: kv });
    const length = footer.offset;
    footer.appendUint32(length);
    footer.appendUint32(MAGIC);
    write(footer.getBytes());
  } finally {
    closeSync(out);
  }
}

/** A points row as the plot reads it back. */
export interface PlotRow {
  path: string;
  x: number;
  y: number;
  cluster: number;
}

/** Streams the rows of a points Parquet file, a row group at a time; returns their count. */
export const readParquetPoints = (file: string, onRow: (row: PlotRow) => void): Promise<number> =>
  readParquetRows(file, ['path', 'x', 'y', 'cluster'], (r) => onRow(r as unknown as PlotRow));
