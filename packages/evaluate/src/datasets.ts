/**
 * The two labelled sets evaluation needs: the held-out test set that is scored, and the fit set
 * (the training data) that kNN and the cluster→label rules learn from. Each is MNIST's (the
 * default), an IDX image file (gzip or not) with its labels, one half of a folder holding an IDX
 * set (t10k for the test set, train for the fit set), or feature vectors with their labels, all
 * read at once; or an image folder (folder-set.ts), read once the model is open.
 */
import {
  conventionalLabelsFile,
  describeInput,
  featureFormat,
  findIdxSet,
  type IdxSetFiles,
  type ModelInfo,
  mnistFiles,
  readFeatures,
  readIdxPair,
  readLabels,
  UserError,
} from '@aae-map/shared';
import { classIndex, isFolder, loadFolderSet } from './folder-set.ts';

export interface DataSetInfo {
  /** 'MNIST train', 'MNIST test', the data file, or the image folder. */
  name: string;
  /** The data file (IDX images, or feature vectors), or the image folder. */
  images: string;
  /** The labels file, or the image folder (whose class subfolders give the labels). */
  labels: string;
  count: number;
  /** Images: their size. */
  height?: number;
  width?: number;
  /** Feature vectors: D. */
  dim?: number;
}

/** A labelled set as the model takes it: `count` rows of `dim` uint8 pixels (gray or RGB) or float32 features. */
export interface EvalData {
  values: Uint8Array | Float32Array;
  count: number;
  dim: number;
  labels: Int32Array;
  /** Where the labels file names its classes (a CSV of names): the names its indices point into. */
  classNames?: string[];
}

export interface LoadedSet {
  data: EvalData;
  info: DataSetInfo;
}

interface Flags {
  images: string;
  labels: string;
}

export interface SetFlags {
  images: string | undefined;
  labels: string | undefined;
  limit: number | undefined;
  flag: Flags;
}

/** One set: read now, or an image folder to read when the model is known. */
export type PendingSet = LoadedSet | { folder: string; flags: SetFlags };

type Split = 'train' | 'test';

async function loadImages(name: string, images: string, labels: string): Promise<LoadedSet> {
  const set = await readIdxPair(images, labels);
  const data = { values: set.pixels, count: set.count, dim: set.height * set.width, labels: Int32Array.from(set.labels) };
  return { data, info: { name, images, labels, count: set.count, height: set.height, width: set.width } };
}

async function loadVectors(file: string, labels: string | undefined, flag: Flags): Promise<LoadedSet> {
  if (labels === undefined) throw new UserError(`${flag.images} ${file} holds feature vectors; give their labels with ${flag.labels}`);
  const m = await readFeatures(file);
  const col = await readLabels(labels, m.count, file);
  const data = { values: m.values, count: m.count, dim: m.dim, labels: col.labels, classNames: col.classNames };
  return { data, info: { name: file, images: file, labels, count: m.count, dim: m.dim } };
}

/** The `split` half of the IDX set `set` found in `dir`. */
async function loadIdxFolder(dir: string, set: IdxSetFiles, split: Split, flag: Flags): Promise<LoadedSet> {
  const [images, labels] = split === 'test' ? [set.testImages, set.testLabels] : [set.trainImages, set.trainLabels];
  const prefix = split === 'test' ? 't10k' : 'train';
  if (!images || !labels) throw new UserError(`${flag.images} ${dir} lacks ${prefix}-images or ${prefix}-labels (idx, gzip or not)`);
  return loadImages(`${set.name} ${split}`, images, labels);
}

/**
 * Reads a set as `data` names it (see the file comment), MNIST's `split` when it is undefined,
 * and keeps the first `limit` rows. `flag` names the options in error messages.
 */
export async function loadSet(
  data: string | undefined,
  labels: string | undefined,
  split: Split,
  limit: number | undefined,
  flag: Flags,
): Promise<LoadedSet> {
  let set: LoadedSet;
  if (data === undefined) {
    if (labels !== undefined) throw new UserError(`${flag.labels} needs ${flag.images}, the data it labels`);
    const f = mnistFiles();
    set =
      split === 'train'
        ? await loadImages('MNIST train', f.trainImages, f.trainLabels)
        : await loadImages('MNIST test', f.testImages, f.testLabels);
  } else if (featureFormat(data)) {
    set = await loadVectors(data, labels, flag);
  } else {
    const labelFile = labels ?? conventionalLabelsFile(data);
    if (labelFile === undefined) throw new UserError(`${flag.images} ${data} needs its IDX labels: give ${flag.labels}`);
    set = await loadImages(data, data, labelFile);
  }
  const unlabelled = set.data.labels.reduce((n, l) => n + (l < 0 ? 1 : 0), 0);
  if (unlabelled > 0)
    throw new UserError(
      `${set.info.labels} leaves ${unlabelled} of ${set.data.count} rows unlabelled; evaluate needs a label for every row`,
    );
  return limit === undefined ? set : take(set, limit);
}

function take(set: LoadedSet, limit: number): LoadedSet {
  const count = Math.min(limit, set.data.count);
  const { values, dim, labels } = set.data;
  return {
    data: { ...set.data, count, values: values.subarray(0, count * dim), labels: labels.subarray(0, count) },
    info: { ...set.info, count },
  };
}

/** The default fit set for a test set: the training half of the same IDX folder, else MNIST's (for images). */
export async function defaultFitData(testData: string | undefined): Promise<string | undefined> {
  if (testData === undefined) return undefined;
  if (await isFolder(testData)) return (await findIdxSet(testData)) ? testData : undefined;
  if (featureFormat(testData))
    throw new UserError(`--data ${testData} holds feature vectors; give the training vectors with --train-data and --train-labels`);
  return undefined;
}

/** Reads `s` now (MNIST's `split` when no file is given; an IDX folder's `split` half), or leaves an image folder for when the model is known. */
export async function startSet(s: SetFlags, split: Split): Promise<PendingSet> {
  if (!(await isFolder(s.images))) return loadSet(s.images, s.labels, split, s.limit, s.flag);
  const dir = s.images!;
  const idx = await findIdxSet(dir);
  if (s.labels !== undefined)
    throw new UserError(
      `${s.flag.labels} does not apply: ${s.flag.images} ${dir} is a folder, whose ${idx ? 'IDX label files' : 'subfolders'} name the classes`,
    );
  if (!idx) return { folder: dir, flags: s };
  const set = await loadIdxFolder(dir, idx, split, s.flag);
  return s.limit === undefined ? set : take(set, s.limit);
}

/** The test and fit sets as the model takes them; folder sets share one class numbering. */
export async function finishSets(sets: PendingSet[], info: ModelInfo, progress: boolean, convertColour: boolean): Promise<LoadedSet[]> {
  const classes = classIndex(info);
  const out: LoadedSet[] = [];
  for (const s of sets) {
    if (!('folder' in s)) out.push(fitToModel(s, info));
    else if (info.inputKind !== 'image')
      throw new UserError(`${s.flags.flag.images} ${s.folder} is a folder of images, and the model takes ${describeInput(info)}`);
    else out.push(await loadFolderSet(s.folder, s.flags.flag.images, info, classes, { limit: s.flags.limit, progress, convertColour }));
  }
  return out;
}

/** Checks that a set has the kind and size of input the model takes, and maps class names onto the model's. */
export function fitToModel(set: LoadedSet, info: ModelInfo): LoadedSet {
  const { data, info: d } = set;
  if (info.inputKind === 'features') {
    if (!(data.values instanceof Float32Array))
      throw new UserError(`${d.images} holds images but the model takes ${info.inputDim}-D feature vectors; give vectors and their labels`);
    if (data.dim !== info.inputDim)
      throw new UserError(
        `${d.images} holds ${data.dim}-D vectors but the model takes ${info.inputDim}-D ones; evaluate it on the features it was trained on`,
      );
    return data.classNames ? { ...set, data: { ...data, labels: byModelNames(set, info.classNames), classNames: undefined } } : set;
  }
  if (!(data.values instanceof Uint8Array))
    throw new UserError(`${d.images} holds feature vectors but the model takes images; give IDX images and labels`);
  if (d.height !== info.height || d.width !== info.width) {
    throw new UserError(
      `${d.images} holds ${d.height}x${d.width} images but the model expects ${info.height}x${info.width}; ` +
        'evaluate it on data of the size it was trained on',
    );
  }
  return info.channels === 1 ? set : { ...set, data: asRgb(data.values, data) };
}

/** IDX pixels (gray) for an RGB model: each value replicated to three channels, as the decoders do for gray files. */
function asRgb(gray: Uint8Array, data: EvalData): EvalData {
  const rgb = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) rgb.fill(gray[i]!, 3 * i, 3 * i + 3);
  return { ...data, values: rgb, dim: data.dim * 3 };
}

/** Labels given as names, as indices into the model's class names. */
function byModelNames(set: LoadedSet, modelNames: string[]): Int32Array {
  const names = set.data.classNames!;
  const remap = names.map((name) => {
    const k = modelNames.indexOf(name);
    if (k < 0)
      throw new UserError(`${set.info.labels} has a class '${name}' that the model does not know (it has ${modelNames.join(', ')})`);
    return k;
  });
  return set.data.labels.map((l) => remap[l]!);
}
