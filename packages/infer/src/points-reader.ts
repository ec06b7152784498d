/**
 * The outputs of a (sharded) run as embed-check reads them: each file's rows in walk order,
 * whatever its format, and all of them merged into one stream in walk order.
 *
 * A format is a PointsFormat in POINTS_FORMATS; CSV is the fallback. Each gives its rows with
 * the cells a CSV of the same run would hold, so that outputs of both formats check and merge alike.
 */
import { formatFloat32, walkOrderKey } from '@aae-map/shared';
import { UserError } from '@aae-map/shared/cli';
import { parquetRowGroups } from '@aae-map/shared/parquet';
import { csvRecordChunks, readCsvHeader } from './csv-file.ts';
import type { Cells } from './outputs.ts';
import { columnNames, isPointsParquet, readParquetMeta } from './parquet-file.ts';

export interface PointsRow {
  /** The file's path in text form, unguarded (Cells.read). */
  path: string;
  /** The row's cells as the run's CSV writes them, path first (guarded with --safe-csv). */
  fields: string[];
}

export interface PointsSource {
  readonly file: string;
  /** The column names, path first. */
  readonly columns: string[];
  /** The rows in file order, a chunk at a time. */
  chunks(): AsyncIterable<PointsRow[]>;
}

export interface PointsFormat {
  /** Whether `file` is in this format, by its name. */
  accepts(file: string): boolean;
  open(file: string, cells: Cells): Promise<PointsSource>;
}

export const CSV_POINTS: PointsFormat = {
  accepts: (file) => file.toLowerCase().endsWith('.csv'),
  async open(file, cells) {
    const columns = (await readCsvHeader(file)) ?? [];
    return {
      file,
      columns,
      async *chunks() {
        let header = true;
        for await (const records of csvRecordChunks(file)) {
          if (header) records.shift();
          header = false;
          yield records.map((fields) => ({ path: cells.read(fields[0] ?? ''), fields }));
        }
      },
    };
  },
};

/** A points file embed wrote as Parquet: each row group's columns, formatted as the CSV writer formats them. */
export const PARQUET_POINTS: PointsFormat = {
  accepts: isPointsParquet,
  async open(file, cells) {
    const meta = readParquetMeta(file)!;
    const columns = columnNames(meta);
    return {
      file,
      columns,
      async *chunks() {
        const format = columns.map((c) => (c === 'cluster' ? String : formatFloat32));
        for await (const rows of parquetRowGroups(file, columns))
          yield rows.map((r) => {
            const path = r.path as string;
            return { path, fields: [cells.write(path), ...columns.slice(1).map((c, k) => format[k + 1]!(r[c] as number))] };
          });
      },
    };
  },
};

/** The formats embed-check reads, tried in order; CSV takes any file that none accepts. */
export const POINTS_FORMATS: PointsFormat[] = [PARQUET_POINTS, CSV_POINTS];

export const openPoints = (file: string, cells: Cells): Promise<PointsSource> =>
  (POINTS_FORMATS.find((f) => f.accepts(file)) ?? CSV_POINTS).open(file, cells);

/** A row of the merged stream: which output (its index in the list) it came from, and its walk-order key. */
export interface MergedRow extends PointsRow {
  from: number;
  key: string;
}

/** One output's rows, buffered a chunk at a time; refuses a file whose rows are not in walk order. */
class Cursor {
  private buf: PointsRow[] = [];
  private at = 0;
  private done = false;
  private readonly it: AsyncIterator<PointsRow[]>;
  private row = 0;
  head: MergedRow | undefined;

  constructor(
    private readonly source: PointsSource,
    readonly from: number,
  ) {
    this.it = source.chunks()[Symbol.asyncIterator]();
  }

  /** Moves to the next row; head is undefined at the end. */
  async advance(): Promise<void> {
    while (this.at >= this.buf.length && !this.done) {
      const next = await this.it.next();
      if (next.done) this.done = true;
      else [this.buf, this.at] = [next.value, 0];
    }
    const prev = this.head;
    const r = this.buf[this.at++];
    this.row++;
    this.head = r && { ...r, from: this.from, key: walkOrderKey(r.path) };
    if (prev && this.head && this.head.key < prev.key)
      throw new UserError(
        `${this.source.file} is not in walk order at row ${this.row} ('${this.head.path}' after '${prev.path}'): embed did not write it so, or it was edited`,
        1,
      );
  }
}

/** The rows of all `sources` in walk order (rows of the same path in the order of `sources`), through a binary heap of their heads. */
export class MergedRows {
  private readonly heap: Cursor[] = [];

  private constructor(private readonly cursors: Cursor[]) {}

  static async open(sources: PointsSource[]): Promise<MergedRows> {
    const m = new MergedRows(sources.map((s, i) => new Cursor(s, i)));
    for (const c of m.cursors) {
      await c.advance();
      if (c.head) m.push(c);
    }
    return m;
  }

  /** The smallest row not yet taken. */
  peek(): MergedRow | undefined {
    return this.heap[0]?.head;
  }

  /** Takes the smallest row. */
  async take(): Promise<MergedRow | undefined> {
    const top = this.heap[0];
    if (!top) return undefined;
    const row = top.head;
    await top.advance();
    if (top.head) this.siftDown(0);
    else {
      const last = this.heap.pop()!;
      if (this.heap.length > 0 && last !== top) {
        this.heap[0] = last;
        this.siftDown(0);
      }
    }
    return row;
  }

  private less(a: Cursor, b: Cursor): boolean {
    const [x, y] = [a.head!, b.head!];
    return x.key < y.key || (x.key === y.key && x.from < y.from);
  }

  private push(c: Cursor): void {
    const h = this.heap;
    h.push(c);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
