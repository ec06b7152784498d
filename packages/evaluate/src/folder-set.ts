/**
 * An image folder as a labelled set for evaluate (`--data DIR`, `--train-data DIR`): each class
 * subfolder's images, decoded as the model takes them (its size, gray or RGB), labelled by the
 * class's index in the model's class_names; classes the model does not name follow, in the order
 * first met. Images without a class (at the top, or in unlabeled/) cannot be scored: left out.
 */
import { stat } from 'node:fs/promises';
import { type ImageModelInfo, type ModelInfo, UserError } from '@aae-map/shared';
import { decodeListing, type FolderListing, listImageFolder } from '@aae-map/shared/decode';
import type { LoadedSet } from './datasets.ts';

export async function isFolder(path: string | undefined): Promise<boolean> {
  return path !== undefined && ((await stat(path).catch(() => undefined))?.isDirectory() ?? false);
}

/** Labels by class name, shared by the test and fit sets so that both count classes alike. */
export function classIndex(info: ModelInfo): Map<string, number> {
  return new Map(info.classNames.map((name, k) => [name, k]));
}

/** The labelled files, or `limit` of them spread evenly over the folder (whose walk keeps each class together). */
function labelledFiles(listing: FolderListing, limit: number | undefined): FolderListing {
  const files = listing.files.filter((f) => f.label >= 0);
  const m = Math.min(files.length, limit ?? files.length);
  return { ...listing, files: Array.from({ length: m }, (_, k) => files[Math.floor((k * files.length) / m)]!) };
}

export async function loadFolderSet(
  folder: string,
  flag: string,
  info: ImageModelInfo,
  classes: Map<string, number>,
  o: { limit: number | undefined; progress: boolean; convertColour: boolean },
): Promise<LoadedSet> {
  const listing = labelledFiles(await listImageFolder(folder, flag), o.limit);
  if (listing.files.length === 0)
    throw new UserError(`${flag} ${folder} has no images in class subfolders; evaluate needs labelled images, one subfolder per class`);
  const label = listing.classNames.map((name) => {
    if (!classes.has(name)) classes.set(name, classes.size);
    return classes.get(name)!;
  });
  if (classes.size > 256) throw new UserError(`${flag} ${folder}: evaluate scores at most 256 classes, and there are ${classes.size}`);
  const decoded = await decodeListing(listing, info, o.progress, o.convertColour);
  const first = decoded.failed[0];
  if (first)
    process.stderr.write(
      `skipped ${decoded.failed.length} files of ${folder} that could not be decoded (${first.path}: ${first.reason})\n`,
    );
  const labels = Int32Array.from(decoded.kept, (i) => label[listing.files[i]!.label]!);
  const { height, width, channels } = info;
  return {
    data: { values: decoded.pixels, labels, count: labels.length, dim: height * width * channels },
    info: { name: folder, images: folder, labels: folder, count: labels.length, height, width },
  };
}
