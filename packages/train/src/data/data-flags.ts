/** The CLI's data flags as TrainOptions.data: a folder --data is an image folder, a file is IDX. */
import { stat } from 'node:fs/promises';
import { type InputChannels, UserError } from '@aae-map/shared';
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
}

export async function dataFromFlags(f: DataFlags): Promise<DataFiles | undefined> {
  const idxOnly = f.dataLabels !== undefined || f.testData !== undefined || f.testLabels !== undefined;
  const folderOnly = f.test !== undefined || f.testSplit !== undefined || f.size !== undefined || f.channels !== undefined;
  if (f.data === undefined) {
    if (idxOnly || folderOnly)
      throw new UserError('--data-labels, --test-data, --test-labels, --test, --test-split, --size and --channels need --data');
    return undefined;
  }
  if ((await stat(f.data).catch(() => undefined))?.isDirectory()) {
    if (idxOnly)
      throw new UserError(
        `--data-labels, --test-data and --test-labels are for IDX files, and ${f.data} is a folder; give a test folder with --test`,
      );
    const size = f.size === undefined ? undefined : parseImageSize(f.size);
    return { folder: f.data, test: f.test, testSplit: f.testSplit, size, channels: f.channels };
  }
  if (folderOnly)
    throw new UserError(
      `--test, --test-split, --size and --channels are for image folders, and ${f.data} is a file (IDX files hold gray images); give IDX test files with --test-data`,
    );
  return { images: f.data, labels: f.dataLabels, testImages: f.testData, testLabels: f.testLabels };
}
