/**
 * What a run trained on an image folder stores (in resume.json) so `--resume` reads the same
 * images again, and the `--size` syntax.
 */
import { type InputChannels, UserError } from '@aae-map/shared';
import type { FeatureFiles } from './feature-dataset.ts';
import type { IdxDatasetFiles } from './idx-dataset.ts';

export interface ImageSize {
  width: number;
  height: number;
}

/** MNIST's size, so a folder of digits matches the default run. */
export const DEFAULT_IMAGE_SIZE: ImageSize = { width: 28, height: 28 };
/** Share of the labelled images held out as the test set when no test folder is given. */
export const DEFAULT_TEST_SPLIT = 0.1;

/**
 * An image folder to train on. Each subfolder is a class named after it; files directly in the
 * folder, or under `unlabeled/` (or `unlabelled/`), have no label.
 */
export interface ImageFolderFiles {
  /** The training folder. */
  folder: string;
  /** A held-out folder laid out the same way; its classes must be among the training folder's. @default none: `testSplit` is used */
  test?: string;
  /** Share of the labelled training images held out as the test set, class by class and seeded, when `test` is not given; 0 = none. @default 0.1 */
  testSplit?: number;
  /** Every image is resized (stretched) to this. @default 28 × 28 */
  size?: ImageSize;
  /**
   * 1 trains on gray (colour images converted), 3 on RGB (gray images replicated).
   * @default 3 when a sample of the folder's images has one in colour, else 1 (folder-channels.ts)
   */
  channels?: InputChannels;
}

/** What a run reads: IDX files, an image folder or feature vectors (absent for MNIST or a Dataset passed in code). */
export type DataFiles = IdxDatasetFiles | ImageFolderFiles | FeatureFiles;

export function isImageFolder(data: DataFiles | undefined): data is ImageFolderFiles {
  return data !== undefined && 'folder' in data;
}

const MAX_SIDE = 4096;

/** Parses `--size`: '28' (square) or WIDTHxHEIGHT, e.g. '32x24'. */
export function parseImageSize(text: string): ImageSize {
  const m = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(text);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(width >= 1 && height >= 1 && width <= MAX_SIDE && height <= MAX_SIDE)) {
    throw new UserError(`--size must be N or WIDTHxHEIGHT with sides from 1 to ${MAX_SIDE}, e.g. 28 or 32x24; got '${text}'`);
  }
  return { width, height };
}

export function checkFolderFiles(f: ImageFolderFiles): void {
  const s = f.size ?? DEFAULT_IMAGE_SIZE;
  if (!(Number.isInteger(s.width) && Number.isInteger(s.height) && s.width >= 1 && s.height >= 1)) {
    throw new UserError(`--size must be whole numbers >= 1, got ${s.width}x${s.height}`);
  }
  if (f.channels !== undefined && f.channels !== 1 && f.channels !== 3)
    throw new UserError(`--channels must be 1 (gray) or 3 (RGB), got ${f.channels}`);
  const split = f.testSplit ?? DEFAULT_TEST_SPLIT;
  if (!(split >= 0 && split < 1)) throw new UserError(`--test-split must be a fraction from 0 to below 1, got ${split}`);
}
