/**
 * The two labelled image sets evaluation needs: the held-out test set that is scored, and the
 * fit set (the training images) that kNN and the cluster→label rules learn from.
 */
import { type LabelledImages, mnistFiles, readIdxPair, UserError } from '@aae-map/shared';

export interface DataSetInfo {
  /** 'MNIST train', 'MNIST test', or the images file. */
  name: string;
  images: string;
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
