/**
 * Finds a run's directory and data, fresh or resumed: MNIST, IDX files, a Dataset passed in
 * code, an image folder or feature vectors. A folder's decode cache lives in the run directory,
 * so for a folder the directory is settled first; for a folder and for feature vectors (the
 * user's own data, of any size), the class count then sets the defaults of --clusters and --labels.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { featureSetName, MANIFEST, UserError } from '@aae-map/shared';
import { type Dataset, limitSplit, pixelsPerImage } from '../data/dataset.ts';
import { isFeatureFiles, loadFeatureDataset } from '../data/feature-dataset.ts';
import { loadFolderDataset } from '../data/folder-dataset.ts';
import { type DataFiles, type ImageFolderFiles, isImageFolder } from '../data/folder-files.ts';
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

/** A resumed run reads its folder as it was trained: gray or RGB as its architecture says. */
function withPriorChannels(files: ImageFolderFiles, prior: RunData['prior']): ImageFolderFiles {
  return prior ? { ...files, channels: prior.manifest.architecture.channels === 3 ? 3 : 1 } : files;
}

/** --clusters defaults to the data's classes (and is needed without any); --labels is a cap on the labelled images. */
function ownDataDefaults(o: TrainOptions, ds: Dataset, what: string, name: string): TrainOptions {
  if (o.clusters === undefined && ds.classNames.length === 0) {
    throw new UserError(`--data ${what}, so give --clusters, the number of clusters to find`);
  }
  const train = limitSplit(ds.train, o.trainLimit, pixelsPerImage(ds));
  const known = train.labels.reduce((n, l) => n + (l >= 0 ? 1 : 0), 0);
  return { ...o, name, clusters: o.clusters ?? ds.classNames.length, labels: Math.min(o.labels ?? DEFAULTS.labels, known) };
}

/**
 * A run on the user's own data: named (as --labels asks, and the mode as --style-dim says) and
 * placed before the data is read, since a folder's cache goes in the run directory.
 */
async function loadOwnDataRun(
  o: TrainOptions,
  setName: string,
  noClasses: string,
  load: (runDir: string, seed: number, prior: RunData['prior']) => Promise<Dataset>,
): Promise<RunData> {
  const name = o.name ?? `${setName}-${modeOf(o.styleDim ?? o.clusters ?? 0)}-${o.labels ?? DEFAULTS.labels}`;
  const runDir = o.runDir ?? `runs/${name}`;
  const prior = o.resume ? await loadForResume(runDir) : undefined;
  if (!prior) checkNewRunDir(runDir);
  const ds = await load(runDir, prior?.resume.options.seed ?? o.seed ?? DEFAULTS.seed, prior);
  return { ds, runDir, prior, options: prior ? o : ownDataDefaults(o, ds, noClasses, name) };
}

/** Reads a resumed run's stored data files, of any kind but MNIST's. */
function loadStored(files: DataFiles, runDir: string, prior: NonNullable<RunData['prior']>, o: TrainOptions, log: (line: string) => void) {
  const seed = prior.resume.options.seed;
  if (isImageFolder(files)) return loadFolder(withPriorChannels(files, prior), runDir, seed, o, log);
  if (isFeatureFiles(files)) return loadFeatureDataset(files, seed, log);
  return loadIdxDataset(files);
}

export async function loadRunData(o: TrainOptions, log: (line: string) => void): Promise<RunData> {
  const data = o.dataset ? undefined : o.data;
  if (isImageFolder(data)) {
    const load = (runDir: string, seed: number, prior: RunData['prior']) =>
      loadFolder(withPriorChannels(data, prior), runDir, seed, o, log);
    return loadOwnDataRun(o, basename(resolve(data.folder)), `${data.folder} has no class subfolders`, load);
  }
  if (isFeatureFiles(data)) {
    const load = (_: string, seed: number) => loadFeatureDataset(data, seed, log);
    return loadOwnDataRun(o, featureSetName(data.features), `${data.features} comes without --data-labels`, load);
  }
  let ds = o.dataset ?? (data ? await loadIdxDataset(data) : undefined);
  let runDir = o.runDir ?? (o.name ? `runs/${o.name}` : undefined);
  if (!runDir) {
    ds ??= await loadMnistDataset();
    runDir = resolveOptions(o, ds).runDir;
  }
  const prior = o.resume ? await loadForResume(runDir) : undefined;
  const stored = prior?.resume.data;
  if (!ds && stored) ds = await loadStored(stored, runDir, prior!, o, log);
  ds ??= await loadMnistDataset();
  return { ds, runDir, prior, options: o };
}
