/**
 * The two labelled image sets evaluation needs: the held-out test set that is scored, and the
 * fit set (the training images) that kNN and the cluster→label rules learn from. Each is an IDX
 * pair, read at once, or an image folder (folder-set.ts), read once the model is open.
 */
import { type LabelledImages, type ModelInfo, mnistFiles, readIdxPair, UserError } from '@aae-map/shared';
import { classIndex, isFolder, loadFolderSet } from './folder-set.ts';

export interface DataSetInfo {
  /** 'MNIST train', 'MNIST test', the images file, or the image folder. */
  name: string;
  /** The IDX images file, or the image folder. */
  images: string;
  /** The IDX labels file, or the image folder (whose class subfolders give the labels). */
  labels: string;
  count: number;
  height: number;
  width: number;
}

export interface LoadedSet {
  data: LabelledImages;
  info: DataSetInfo;
}

/**
 * Reads an IDX pair, MNIST's `split` when neither file is given, and keeps the first `limit`
 * images. `flag` names the options in error messages.
 */
export async function loadSet(
  images: string | undefined,
  labels: string | undefined,
  split: 'train' | 'test',
  limit: number | undefined,
  flag: { images: string; labels: string },
): Promise<LoadedSet> {
  if ((images === undefined) !== (labels === undefined)) {
    throw new UserError(`${flag.images} and ${flag.labels} go together: give both IDX files (images and labels) or neither`);
  }
  const f = mnistFiles();
  const files =
    images !== undefined && labels !== undefined
      ? { name: images, images, labels }
      : split === 'train'
        ? { name: 'MNIST train', images: f.trainImages, labels: f.trainLabels }
        : { name: 'MNIST test', images: f.testImages, labels: f.testLabels };
  const full = await readIdxPair(files.images, files.labels);
  const data = limit === undefined ? full : take(full, limit);
  return { data, info: { ...files, count: data.count, height: data.height, width: data.width } };
}

function take(set: LabelledImages, limit: number): LabelledImages {
  const count = Math.min(limit, set.count);
  const pixels = set.height * set.width;
  return { ...set, count, pixels: set.pixels.subarray(0, count * pixels), labels: set.labels.subarray(0, count) };
}

/** Checks that a set's images have the size the model was trained on. */
export function checkImageSize(set: LoadedSet, height: number, width: number): void {
  if (set.info.height !== height || set.info.width !== width) {
    throw new UserError(
      `${set.info.images} holds ${set.info.height}x${set.info.width} images but the model expects ${height}x${width}; ` +
        'evaluate it on data of the size it was trained on',
    );
  }
}

/** IDX pixels (gray) for an RGB model: each value replicated to three channels, as the decoders do for gray files. */
function asModelInput(set: LoadedSet, info: ModelInfo): LoadedSet {
  if (info.channels === 1) return set;
  const gray = set.data.pixels;
  const rgb = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) rgb.fill(gray[i]!, 3 * i, 3 * i + 3);
  return { ...set, data: { ...set.data, pixels: rgb } };
}

export interface SetFlags {
  images: string | undefined;
  labels: string | undefined;
  limit: number | undefined;
  flag: { images: string; labels: string };
}

/** One set: an IDX pair read now, or a folder to read when the model is known. */
export type PendingSet = LoadedSet | { folder: string; flags: SetFlags };

/** Reads `s` now if it is IDX (MNIST's `split` when no file is given); a folder waits for the model. */
export async function startSet(s: SetFlags, split: 'train' | 'test'): Promise<PendingSet> {
  if (!(await isFolder(s.images))) return loadSet(s.images, s.labels, split, s.limit, s.flag);
  if (s.labels !== undefined)
    throw new UserError(
      `${s.flag.labels} is for IDX files, and ${s.flag.images} ${s.images} is a folder, whose subfolders name the classes`,
    );
  return { folder: s.images!, flags: s };
}

/** The test and fit sets as the model takes them; folder sets share one class numbering. */
export async function finishSets(sets: PendingSet[], info: ModelInfo, progress: boolean): Promise<LoadedSet[]> {
  const classes = classIndex(info);
  const out: LoadedSet[] = [];
  for (const s of sets) {
    if ('folder' in s) out.push(await loadFolderSet(s.folder, s.flags.flag.images, info, classes, s.flags.limit, progress));
    else {
      checkImageSize(s, info.height, info.width);
      out.push(asModelInput(s, info));
    }
  }
  return out;
}
