/**
 * `--plot map.png`: the points of a points.csv, coloured by top-level subfolder when every file
 * sits in one (sample-images writes one folder per label), else by cluster; heads marked.
 */
import { basename, resolve } from 'node:path';
import type { ModelInfo } from '@aae-map/shared';
import { writeScatterPng } from '@aae-map/shared/plot';
import { scanCsv } from './csv-file.ts';
import type { PlotRow } from './parquet-file.ts';
import { readPoints } from './points-csv.ts';
import { parquet } from './points-output.ts';
import { isParquetOut } from './points-sink.ts';

/** More points than this are thinned evenly: a denser plot shows nothing more, and SVG grows. */
export const MAX_PLOT_POINTS = 20_000;

const naturalOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export interface Categories {
  by: 'folder' | 'cluster';
  /** Category index per point. */
  index: number[];
  names: string[];
}

/**
 * Colours points by top-level folder when `allInFolders` (every file of the run, not only
 * these, sits in a subfolder), else by cluster, named by the model's class names.
 */
export function plotCategories(
  paths: readonly string[],
  clusters: readonly number[],
  allInFolders: boolean,
  info: Pick<ModelInfo, 'classNames' | 'clusters'>,
): Categories {
  if (allInFolders && paths.length > 0) {
    const folders = paths.map((p) => p.slice(0, p.indexOf('/')));
    const names = [...new Set(folders)].sort(naturalOrder);
    const at = new Map(names.map((n, k) => [n, k]));
    return { by: 'folder', index: folders.map((f) => at.get(f)!), names };
  }
  const names =
    info.classNames.length === info.clusters ? info.classNames : Array.from({ length: info.clusters }, (_, k) => `cluster ${k}`);
  return { by: 'cluster', index: [...clusters], names };
}

/** Streams the rows of a points file to `onRow`. */
type RowReader = (onRow: (row: PlotRow) => void) => Promise<void>;

async function pointsReader(file: string, safeCsv: boolean): Promise<{ rows: number; read: RowReader }> {
  if (isParquetOut(file)) {
    const { readParquetMeta, readParquetPoints } = await parquet();
    const meta = readParquetMeta(file);
    return { rows: Number(meta?.num_rows ?? 0), read: (onRow) => readParquetPoints(file, onRow).then(() => undefined) };
  }
  const { rows } = await scanCsv(file);
  return { rows, read: (onRow) => readPoints(file, onRow, { safeCsv }).then(() => undefined) };
}

/** Draws `pointsFile` (a CSV written with --safe-csv if `safeCsv`, or Parquet) to `pngFile`; `input` names the plot, `unit` its rows. */
export async function plotPoints(
  pointsFile: string,
  pngFile: string,
  info: ModelInfo,
  input: string,
  safeCsv = false,
  unit = 'images',
): Promise<void> {
  const { rows, read } = await pointsReader(pointsFile, safeCsv);
  const stride = Math.max(1, Math.ceil(rows / MAX_PLOT_POINTS));
  const points: number[] = [];
  const clusters: number[] = [];
  const paths: string[] = [];
  let allInFolders = true;
  let i = 0;
  await read((row) => {
    if (!row.path.includes('/')) allInFolders = false;
    if (i++ % stride !== 0) return;
    points.push(row.x, row.y);
    clusters.push(row.cluster);
    paths.push(row.path);
  });
  const c = plotCategories(paths, clusters, allInFolders, info);
  const shown = stride > 1 ? `${paths.length} of ${rows}` : `${rows}`;
  await writeScatterPng(pngFile, {
    points,
    categories: c.index,
    categoryNames: c.names,
    heads: info.heads2d,
    title: `${basename(resolve(input))}: ${shown} ${unit}, coloured by ${c.by}`,
  });
}
