/** Reading points.csv (the format itself is in @aae-map/shared's points-format.ts). */
import { type PointRow, parsePointRow, unguardCell } from '@aae-map/shared';
import { scanCsv } from './csv-file.ts';

export interface ReadPointsOptions {
  /** The file was written with --safe-csv: give the paths back without their guard. @default false */
  safeCsv?: boolean;
}

/** Streams the complete rows of a points.csv (a torn last line is left out). Returns the header. */
export async function readPoints(
  file: string,
  onRow: (row: PointRow) => void,
  opts: ReadPointsOptions = {},
): Promise<string[] | undefined> {
  const scan = await scanCsv(file, (fields) => {
    const row = parsePointRow(fields);
    if (opts.safeCsv) row.path = unguardCell(row.path);
    onRow(row);
  });
  return scan.header;
}
