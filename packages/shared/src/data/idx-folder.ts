/**
 * MNIST-like sets as they are distributed: a folder holding `train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each maybe
 * gzipped (`.gz`), as MNIST, Fashion-MNIST and KMNIST are published (some mirrors write
 * `train-images.idx3-ubyte`). train and evaluate take such a folder as `--data DIR`.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** The files of one set; the training images are the one file it must have. */
export interface IdxSetFiles {
  /** The folder's name, e.g. 'fashion-mnist': what runs are named after. */
  name: string;
  trainImages: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
}

const PART = /^(train|t10k)-(images|labels)[-.]idx[13]-ubyte(\.gz)?$/i;

/** Whether `name` is one of the four conventional file names (gzipped or not). */
export function isIdxSetFileName(name: string): boolean {
  return PART.test(name);
}

/** The set in `dir`, or undefined when it holds no training images under the conventional name. An unpacked file wins over its .gz. */
export async function findIdxSet(dir: string): Promise<IdxSetFiles | undefined> {
  const found = new Map<string, string>();
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => e.name);
  // Sorted so that 'x' comes before 'x.gz' and is kept.
  for (const name of names.sort()) {
    const m = PART.exec(name);
    const key = m && `${m[1]!.toLowerCase()}-${m[2]!.toLowerCase()}`;
    if (key && !found.has(key)) found.set(key, join(dir, name));
  }
  const trainImages = found.get('train-images');
  if (!trainImages) return undefined;
  return {
    name: basename(resolve(dir)),
    trainImages,
    trainLabels: found.get('train-labels'),
    testImages: found.get('t10k-images'),
    testLabels: found.get('t10k-labels'),
  };
}

/**
 * What a run on an IDX image file is named after: the set, i.e. its folder, when the file has a
 * conventional name (`fashion/train-images-idx3-ubyte.gz` → 'fashion'), else the file's own name
 * without .gz.
 */
export function idxSetName(imagesFile: string): string {
  const name = basename(imagesFile);
  return isIdxSetFileName(name) ? basename(resolve(dirname(imagesFile))) : name.replace(/\.gz$/i, '');
}

/**
 * The label file that sits next to an image file under MNIST's naming:
 * `train-images-idx3-ubyte` → `train-labels-idx1-ubyte`, gzipped or not like the images where that
 * file exists (either where neither does). Undefined when the name has no 'images'.
 */
export function conventionalLabelsFile(imagesFile: string): string | undefined {
  const name = basename(imagesFile);
  if (!name.includes('images')) return undefined;
  const labels = join(dirname(imagesFile), name.replace('images', 'labels').replace('idx3', 'idx1'));
  const other = labels.endsWith('.gz') ? labels.slice(0, -3) : `${labels}.gz`;
  return !existsSync(labels) && existsSync(other) ? other : labels;
}
