/**
 * Reads an image folder (and an optional test folder) as a Dataset: list the files, choose gray
 * or RGB unless told (folder-channels.ts), read the decode cache if it matches them or else
 * decode once and write it, report the files that could not be used, and hold out the test
 * share when there is no test folder.
 */
import { basename, join, resolve } from 'node:path';
import { type InputChannels, UserError } from '@aae-map/shared';
import { type DecodeTarget, decodeListing, type FolderListing, listImageFolder } from '@aae-map/shared/decode';
import { type Dataset, type ImageSplit, pixelsPerImage } from './dataset.ts';
import { readCache, writeCache } from './folder-cache.ts';
import { chooseChannels, describeChoice } from './folder-channels.ts';
import { checkFolderFiles, DEFAULT_IMAGE_SIZE, DEFAULT_TEST_SPLIT, type ImageFolderFiles, type ImageSize } from './folder-files.ts';
import { heldOutIndices, splitOff } from './held-out.ts';

export interface FolderLoadOptions {
  /** Where decoded images are cached (a subfolder per split), and read from by later loads. @default none: decode every time */
  cacheDir?: string;
  /** Seeds the held-out test share. @default 1 */
  seed?: number;
  /** Show a progress bar while decoding. @default true */
  progress?: boolean;
  /** Where skipped files and summaries go. @default stderr */
  log?: (line: string) => void;
}

/** What reading one folder found. */
export interface FolderStats {
  folder: string;
  /** Image files listed. */
  listed: number;
  /** Images decoded and used. */
  decoded: number;
  /** Files and folders that could not be read or decoded, with why. */
  skipped: { path: string; reason: string }[];
  /** Files without an image extension, left alone. */
  ignored: number;
  /** True when the pixels came from the cache instead of being decoded. */
  fromCache: boolean;
}

export interface FolderDataset {
  dataset: Dataset;
  train: FolderStats;
  test?: FolderStats;
}

const stderrLine = (line: string) => void process.stderr.write(`${line}\n`);

/** Paths of skipped files printed before the rest are only counted. */
const SKIPPED_SHOWN = 20;

interface ReadFolder {
  listing: FolderListing;
  split: ImageSplit;
  stats: FolderStats;
  channels: InputChannels;
}

function reportSkipped(folder: string, skipped: FolderStats['skipped'], log: (line: string) => void): void {
  for (const s of skipped.slice(0, SKIPPED_SHOWN)) log(`skipped ${folder}/${s.path}: ${s.reason}`);
  if (skipped.length > SKIPPED_SHOWN) log(`... and ${skipped.length - SKIPPED_SHOWN} more skipped`);
}

function summarize(
  stats: FolderStats,
  classes: number,
  split: ImageSplit,
  cacheDir: string | undefined,
  seconds: number,
  log: (line: string) => void,
): void {
  const unlabelled = split.labels.reduce((n, l) => n + (l < 0 ? 1 : 0), 0);
  const how = stats.fromCache
    ? `read from the cache ${cacheDir}`
    : `decoded in ${seconds.toFixed(1)} s${cacheDir ? `, cached in ${cacheDir}` : ''}`;
  log(
    `data ${stats.folder}: ${stats.decoded} images (${stats.decoded - unlabelled} in ${classes} classes, ${unlabelled} unlabelled), ` +
      `${stats.skipped.length} skipped, ${stats.ignored} other files ignored; ${how}`,
  );
}

/** Reads one folder; `channels` undefined: chosen from a sample of its images, and said so. */
async function readFolder(
  root: string,
  flag: string,
  size: ImageSize,
  channels: InputChannels | undefined,
  cacheDir: string | undefined,
  o: FolderLoadOptions,
): Promise<ReadFolder> {
  const log = o.log ?? stderrLine;
  const t0 = performance.now();
  const listing = await listImageFolder(root, flag);
  if (channels === undefined) {
    const choice = await chooseChannels(listing, size);
    log(describeChoice(choice, root));
    channels = choice.channels;
  }
  const to: DecodeTarget = { ...size, channels };
  let decoded = cacheDir ? await readCache(cacheDir, listing, to) : undefined;
  const fromCache = decoded !== undefined;
  if (!decoded) {
    decoded = await decodeListing(listing, to, o.progress ?? true, true); // --channels is the user's choice: train converts the rest
    if (cacheDir && decoded.kept.length > 0) await writeCache(cacheDir, listing, to, decoded);
  }
  const labels = Int32Array.from(decoded.kept, (i) => listing.files[i]!.label);
  const split: ImageSplit = { pixels: decoded.pixels, count: decoded.kept.length, labels };
  const skipped = [...listing.unreadable, ...decoded.failed];
  reportSkipped(root, skipped, log);
  const stats: FolderStats = {
    folder: root,
    listed: listing.files.length,
    decoded: split.count,
    skipped,
    ignored: listing.ignored,
    fromCache,
  };
  if (split.count === 0) {
    const first = skipped[0]!;
    throw new UserError(`${flag} ${root}: none of its ${listing.files.length} images could be decoded (${first.path}: ${first.reason})`);
  }
  summarize(stats, listing.classNames.length, split, cacheDir, (performance.now() - t0) / 1000, log);
  return { listing, split, stats, channels };
}

/** The test folder's labels as indices into the training folder's classes. */
function testLabels(test: ReadFolder, classNames: string[], files: ImageFolderFiles): Int32Array {
  const remap = test.listing.classNames.map((name) => {
    const k = classNames.indexOf(name);
    if (k < 0)
      throw new UserError(
        `--test ${files.test} has a class '${name}' that --data ${files.folder} lacks; its classes must be among the training classes`,
      );
    return k;
  });
  return test.split.labels.map((l) => (l < 0 ? -1 : remap[l]!));
}

/** Reads `files` as a Dataset named after the folder; see ImageFolderFiles for the layout. */
export async function loadFolderDataset(files: ImageFolderFiles, o: FolderLoadOptions = {}): Promise<FolderDataset> {
  checkFolderFiles(files);
  const size = files.size ?? DEFAULT_IMAGE_SIZE;
  const train = await readFolder(files.folder, '--data', size, files.channels, o.cacheDir && join(o.cacheDir, 'train'), o);
  const { channels } = train;
  const px = pixelsPerImage({ ...size, channels });
  const classNames = train.listing.classNames;
  let trainSplit = train.split;
  let test: ImageSplit | undefined;
  let testStats: FolderStats | undefined;
  if (files.test) {
    const t = await readFolder(files.test, '--test', size, channels, o.cacheDir && join(o.cacheDir, 'test'), o);
    test = { ...t.split, labels: testLabels(t, classNames, files) };
    testStats = t.stats;
  } else {
    const fraction = files.testSplit ?? DEFAULT_TEST_SPLIT;
    const held = heldOutIndices(trainSplit.labels, classNames.length, fraction, o.seed ?? 1);
    if (held.length > 0) ({ rest: trainSplit, held: test } = splitOff(trainSplit, held, px));
    (o.log ?? stderrLine)(`test set: ${held.length} labelled images held out (--test-split ${fraction})`);
  }
  if (trainSplit.count === 0)
    throw new UserError(`no training images are left in ${files.folder} after holding out the test set; lower --test-split`);
  const dataset: Dataset = {
    name: basename(resolve(files.folder)),
    classNames,
    height: size.height,
    width: size.width,
    channels,
    train: trainSplit,
    test,
  };
  return { dataset, train: train.stats, test: testStats };
}
