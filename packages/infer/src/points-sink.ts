/** What embed's outputs take their rows through (points-output.ts: points.csv or Parquet). */
import { type PointOutputs, pointsColumns } from '@aae-map/shared';
import type { Batch } from './walk-batches.ts';

/** An --out whose name ends in .parquet is written as Parquet (parquet-outputs.ts). */
export const isParquetOut = (out: string) => out.toLowerCase().endsWith('.parquet');

/** Rows per part (and row group) unless --row-group says otherwise: about 2 s of embed's work here. */
export const DEFAULT_ROW_GROUP = 65_536;
/** A part's rows are held in memory until it is written: about 100 MB at this many. */
export const MAX_ROW_GROUP = 1 << 20;

/** What a row holds for a model: its n clusters and d style dims, and whether the z columns are written. */
export interface RowShape {
  clusters: number;
  styleDim: number;
  withStyle: boolean;
}

export const columnsFor = (s: RowShape) => pointsColumns(s.withStyle ? s.styleDim : 0);

export interface PointsSink {
  /**
   * The points of one batch: `out` holds the model's outputs for batch.paths[ok[i]]. Called for
   * every batch, after its errors are in the errors file, which then has `errors` rows.
   */
  add(batch: Batch, ok: readonly number[], out: PointOutputs | undefined, errors: number): void;
  /** Completes the output (Parquet: joins the parts into --out). */
  finish(): Promise<void>;
  /** Releases the files; what is written stays for --resume. */
  close(): void;
}
