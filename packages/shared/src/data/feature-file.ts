/**
 * Feature vectors to train on or embed: a float matrix [N, D] in a .npy file (float16, float32 or
 * float64, read as float32), a CSV of numbers (an optional header row; gzipped or not) or a
 * Parquet table (parquet-features.ts). Every problem is one UserError naming the file and where.
 */
import { basename } from 'node:path';
import { UserError } from '../cli/user-error.ts';
import { readDataFile, withoutGz } from './data-file.ts';
import { csvFeatures, csvRecords, type FeatureMatrix, npyFeatures, refuseNonFinite } from './feature-parse.ts';

export type FeatureFormat = 'npy' | 'csv' | 'parquet';

/** The format by the file's name (a .gz after .npy or .csv allowed), or undefined for any other file. */
export function featureFormat(file: string): FeatureFormat | undefined {
  const name = basename(file);
  if (/\.parquet$/i.test(name)) return 'parquet';
  const ext = /\.([^.]+)$/.exec(withoutGz(name))?.[1]?.toLowerCase();
  return ext === 'npy' || ext === 'csv' ? ext : undefined;
}

/** A file's name without its data extensions: `vectors.csv.gz` → `vectors`. */
export function featureSetName(file: string): string {
  return withoutGz(basename(file)).replace(/\.(npy|csv|parquet)$/i, '');
}

/** The records of a CSV file (gunzipped, BOM dropped), without blank lines, and whether the first is a header. */
export async function readCsvRecords(file: string): Promise<{ header?: string[]; rows: string[][] }> {
  return csvRecords(new TextDecoder().decode(await readDataFile(file)));
}

async function readAnyFeatures(file: string, format: FeatureFormat, idColumn: string | undefined): Promise<FeatureMatrix> {
  if (format === 'npy') return npyFeatures(await readDataFile(file), file);
  if (format === 'csv') return csvFeatures(new TextDecoder().decode(await readDataFile(file)), file, idColumn);
  return (await import('./parquet-features.ts')).readParquetFeatures(file, idColumn);
}

/** Reads `file` as features (by its name's extension); `idColumn` names a CSV or Parquet column of row ids. Non-finite values are refused. */
export async function readFeatures(file: string, idColumn?: string): Promise<FeatureMatrix> {
  const format = featureFormat(file);
  if (!format)
    throw new UserError(`${file} is not .npy, .csv or .parquet; give features as a .npy array [N, D], a CSV of numbers or a Parquet table`);
  if (idColumn !== undefined && format === 'npy') throw new UserError(`--id-column is for CSV and Parquet files, and ${file} is .npy`);
  return refuseNonFinite(await readAnyFeatures(file, format, idColumn), file);
}
