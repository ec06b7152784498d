/**
 * The CLI's data flags as TrainOptions.data. `--data` is, by what it is: a folder holding an IDX
 * set (train-images-idx3-ubyte[.gz], …), another folder (of images), a .npy, .csv or .parquet file (feature
 * vectors), or any other file (IDX images, gzipped or not).
 */
import { stat } from 'node:fs/promises';
import { featureFormat, findIdxSet, type InputChannels, UserError } from '@aae-map/shared';
import type { FeatureFiles } from './feature-dataset.ts';
import { type DataFiles, parseImageSize } from './folder-files.ts';

export interface DataFlags {
  data?: string;
  dataLabels?: string;
  testData?: string;
  testLabels?: string;
  test?: string;
  testSplit?: number;
  size?: string;
  channels?: InputChannels;
  classNames?: string;
}

const FLAG_NAMES: Record<Exclude<keyof DataFlags, 'data'>, string> = {
  dataLabels: '--data-labels',
  testData: '--test-data',
  testLabels: '--test-labels',
  test: '--test',
  testSplit: '--test-split',
  size: '--size',
  channels: '--channels',
  classNames: '--class-names',
};

/** Refuses the flags given that do not apply to `what` --data is, naming those that do. */
function allowOnly(f: DataFlags, what: string, allowed: Array<keyof typeof FLAG_NAMES>): void {
  const given = (Object.keys(FLAG_NAMES) as Array<keyof typeof FLAG_NAMES>).filter((k) => f[k] !== undefined);
  const wrong = given.filter((k) => !allowed.includes(k));
  if (wrong.length === 0) return;
  const takes = allowed.length > 0 ? `it takes ${allowed.map((k) => FLAG_NAMES[k]).join(', ')}` : 'it takes no other data flag';
  throw new UserError(
    `${wrong.map((k) => FLAG_NAMES[k]).join(', ')} ${wrong.length > 1 ? 'do' : 'does'} not apply: --data ${f.data} is ${what}; ${takes}`,
  );
}

async function fromFolder(f: DataFlags & { data: string }): Promise<DataFiles> {
  const idx = await findIdxSet(f.data);
  if (idx) {
    allowOnly(f, `a folder of IDX files (${idx.name})`, ['classNames']);
    const { trainImages: images, trainLabels: labels, testImages, testLabels, name } = idx;
    return { images, labels, testImages, testLabels, name, classNames: f.classNames };
  }
  allowOnly(f, 'a folder of images', ['test', 'testSplit', 'size', 'channels']);
  const size = f.size === undefined ? undefined : parseImageSize(f.size);
  return { folder: f.data, test: f.test, testSplit: f.testSplit, size, channels: f.channels };
}

function fromFeatures(f: DataFlags & { data: string }): FeatureFiles {
  allowOnly(f, 'a file of feature vectors', ['dataLabels', 'testData', 'testLabels', 'testSplit', 'classNames']);
  const { data: features, dataLabels: labels, classNames, testData: testFeatures, testLabels, testSplit } = f;
  return { features, labels, classNames, testFeatures, testLabels, testSplit };
}

export async function dataFromFlags(f: DataFlags): Promise<DataFiles | undefined> {
  if (f.data === undefined) {
    const given = Object.entries(FLAG_NAMES).filter(([k]) => f[k as keyof DataFlags] !== undefined);
    if (given.length > 0) throw new UserError(`${given.map(([, name]) => name).join(', ')} need --data`);
    return undefined;
  }
  const data = f as DataFlags & { data: string };
  if ((await stat(f.data).catch(() => undefined))?.isDirectory()) return fromFolder(data);
  if (featureFormat(f.data)) return fromFeatures(data);
  allowOnly(f, 'an IDX image file (IDX files hold gray images)', ['dataLabels', 'testData', 'testLabels', 'classNames']);
  return { images: f.data, labels: f.dataLabels, testImages: f.testData, testLabels: f.testLabels, classNames: f.classNames };
}
