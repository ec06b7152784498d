/** Reading points.csv (the format itself is in @aae-map/shared's points-format.ts). */
import { parsePointRow, type PointRow } from '@aae-map/shared';
import { scanCsv } from './csv-file.ts';

/** Streams the complete rows of a points.csv (a torn last line is left out). Returns the header. */
export async function readPoints(file: string, onRow: (row: PointRow) => void): Promise<string[] | undefined> {
  const scan = await scanCsv(file, (fields) => onRow(parsePointRow(fields)));
  return scan.header;
}
