/**
 * Finds a run's directory and data, fresh or resumed: MNIST, IDX files, a Dataset passed in
 * code, or an image folder. A folder's decode cache lives in the run directory, so for a folder
 * the directory is settled first; its class count then sets the defaults of --clusters and
 * --labels.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { MANIFEST, UserError } from '@aae-map/shared';
import { type Dataset, limitSplit } from '../data/dataset.ts';
import { loadFolderDataset } from '../data/folder-dataset.ts';
import { type ImageFolderFiles, isImageFolder } from '../data/folder-files.ts';
import { loadIdxDataset, loadMnistDataset } from '../data/idx-dataset.ts';
import { loadForResume } from './checkpoint.ts';
import { DEFAULTS, modeOf, resolveOptions, type TrainOptions } from './options.ts';

/** The decode cache's folder inside a run directory. */
export const DATA_CACHE = 'data-cache';

export interface RunData {
  ds: Dataset;
  runDir: string;
  /** The options with a folder's defaults filled in. */
  options: TrainOptions;
  prior?: Awaited<ReturnType<typeof loadForResume>>;
}

export function checkNewRunDir(runDir: string): void {
  if (existsSync(join(runDir, MANIFEST))) {
    throw new UserError(`${runDir} already holds a run; pass --resume to continue it, or choose another --name or --out`);
  }
}

function loadFolder(files: ImageFolderFiles, runDir: string, seed: number, o: TrainOptions, log: (line: string) => void): Promise<Dataset> {
  return loadFolderDataset(files, { cacheDir: join(runDir, DATA_CACHE), seed, progress: o.progress, log }).then((f) => f.dataset);
}

/** --clusters defaults to the folder's classes (and is needed without any); --labels is a cap on the labelled images. */
function folderDefaults(o: TrainOptions, ds: Dataset, files: ImageFolderFiles, name: string): TrainOptions {
  if (o.clusters === undefined && ds.classNames.length === 0) {
    throw new UserError(`--data ${files.folder} has no class subfolders, so give --clusters, the number of clusters to find`);
  }
  const train = limitSplit(ds.train, o.trainLimit, ds.height * ds.width);
  const known = train.labels.reduce((n, l) => n + (l >= 0 ? 1 : 0), 0);
  return { ...o, name, clusters: o.clusters ?? ds.classNames.length, labels: Math.min(o.labels ?? DEFAULTS.labels, known) };
}

async function loadFolderRun(o: TrainOptions, files: ImageFolderFiles, log: (line: string) => void): Promise<RunData> {
  // Named before the images are read: --labels as asked, and the mode as --style-dim says.
  const name = o.name ?? `${basename(resolve(files.folder))}-${modeOf(o.styleDim ?? o.clusters ?? 0)}-${o.labels ?? DEFAULTS.labels}`;
  const runDir = o.runDir ?? `runs/${name}`;
  const prior = o.resume ? await loadForResume(runDir) : undefined;
  if (!prior) checkNewRunDir(runDir);
  const ds = await loadFolder(files, runDir, prior?.resume.options.seed ?? o.seed ?? DEFAULTS.seed, o, log);
  return { ds, runDir, prior, options: prior ? o : folderDefaults(o, ds, files, name) };
}

export async function loadRunData(o: TrainOptions, log: (line: string) => void): Promise<RunData> {
  const data = o.dataset ? undefined : o.data;
  if (isImageFolder(data)) return loadFolderRun(o, data, log);
  let ds = o.dataset ?? (data ? await loadIdxDataset(data) : undefined);
  let runDir = o.runDir ?? (o.name ? `runs/${o.name}` : undefined);
  if (!runDir) {
    ds ??= await loadMnistDataset();
    runDir = resolveOptions(o, ds).runDir;
  }
  const prior = o.resume ? await loadForResume(runDir) : undefined;
  const stored = prior?.resume.data;
  if (!ds && stored)
    ds = isImageFolder(stored) ? await loadFolder(stored, runDir, prior!.resume.options.seed, o, log) : await loadIdxDataset(stored);
  ds ??= await loadMnistDataset();
  return { ds, runDir, prior, options: o };
}
