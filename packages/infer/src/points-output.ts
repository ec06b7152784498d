/**
 * Where embed's rows go: points.csv (outputs.ts) or, for an --out ending in .parquet, a Parquet
 * file written part by part (parquet-outputs.ts). Both share the errors file and --resume's rule
 * that a batch's errors are written before its points.
 */
import { type PointOutputs, PointRowWriter } from '@aae-map/shared';
import { type Cells, type EarlierRun, type ErrorsLog, openOutputs, type Positions, readEarlierRun } from './outputs.ts';
import type { EarlierParts } from './parquet-outputs.ts';
import { columnsFor, isParquetOut, type PointsSink, type RowShape } from './points-sink.ts';
import type { Batch } from './walk-batches.ts';

export { isParquetOut };

export interface Outputs {
  points: PointsSink;
  errors: ErrorsLog;
  cells: Cells;
  /** The walk resumes after this path. */
  resumeAfter: string | undefined;
  /** Source entries an earlier run handled, where the output records it (Parquet): a list resumes after them. */
  skip: number | undefined;
  /** Rows kept from earlier runs. */
  previousRows: number;
}

/** The Parquet side, loaded only for a Parquet --out: its libraries cost a CSV run ~55 ms of CPU to load. */
export const parquet = () => import('./parquet-outputs.ts');

export type Earlier = { kind: 'csv'; run: EarlierRun } | { kind: 'parquet'; parts: EarlierParts };

/** What an earlier run left in `out`, for --resume; changes nothing. */
export async function readEarlier(out: string, cells: Cells): Promise<Earlier | undefined> {
  if (isParquetOut(out)) {
    const parts = await (await parquet()).readEarlierParts(out);
    return parts && { kind: 'parquet', parts };
  }
  const run = await readEarlierRun(out, cells);
  return run && { kind: 'csv', run };
}

/** The path the earlier run ended at (as read back), if it left any. */
export const earlierLast = (e: Earlier | undefined) => (e?.kind === 'csv' ? e.run.last : e?.parts.after);

/** Opens --out fresh, or after what `earlier` (readEarlier's) holds. */
export interface OpenOptions {
  /** Rows per Parquet part. */
  rowGroup?: number | undefined;
  /** Orders the members of the tar a CSV run stopped in (input-source.ts' tarPositions). */
  positions?: Positions | undefined;
}

export async function openPointsOutput(
  out: string,
  shape: RowShape,
  cells: Cells,
  earlier?: Earlier,
  o: OpenOptions = {},
): Promise<Outputs> {
  if (isParquetOut(out)) {
    const earlierParts = earlier?.kind === 'parquet' ? earlier.parts : undefined;
    return { ...(await (await parquet()).openParquetOutputs(out, shape, cells, earlierParts, o.rowGroup)), cells };
  }
  const csv = await openOutputs(out, columnsFor(shape), cells, earlier?.kind === 'csv' ? earlier.run : undefined, o.positions);
  return { ...csv, points: new CsvSink(csv.points, shape, cells), skip: undefined };
}

/** points.csv: each batch's rows in one write (csv-file.ts). */
class CsvSink implements PointsSink {
  private readonly rows = new PointRowWriter();

  constructor(
    private readonly file: { write(data: Uint8Array): void; close(): void },
    private readonly shape: RowShape,
    private readonly cells: Cells,
  ) {}

  add(batch: Batch, ok: readonly number[], out: PointOutputs | undefined): void {
    if (!out || ok.length === 0) return;
    const paths = ok.map((i) => this.cells.write(batch.paths[i]!));
    this.rows.rows(paths, out, this.shape.clusters, this.shape.styleDim, this.shape.withStyle);
    this.file.write(this.rows.take());
  }

  async finish(): Promise<void> {
    this.close();
  }

  close(): void {
    this.file.close();
  }
}
