/**
 * The decode cache of an image folder: `pixels.u8` (the decoded images, packed) and
 * `index.json` (every listed file's path, size, modification time and label, which of them
 * decoded, and why the others did not). A cache is used only when the folder lists exactly the
 * same files with the same sizes and times at the same image size and channels; anything else rebuilds it.
 * It is written with writeDirAtomic, so a run killed while writing leaves the old cache or none.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirAtomic } from '@aae-map/shared';
import type { DecodedImages, DecodeTarget, FolderListing, ListedFile } from '@aae-map/shared/decode';

const PIXELS = 'pixels.u8';
const INDEX = 'index.json';

interface CacheIndex {
  format: 'aae-map-image-cache';
  version: 1;
  width: number;
  height: number;
  /** Absent in caches written before RGB: they are gray. */
  channels?: number;
  classNames: string[];
  files: ListedFile[];
  kept: number[];
  failed: DecodedImages['failed'];
}

function sameFiles(a: ListedFile[], b: ListedFile[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.path !== y.path || x.size !== y.size || x.mtimeMs !== y.mtimeMs || x.label !== y.label) return false;
  }
  return true;
}

/** The cached decode of `listing` to `to`, or undefined when there is none or it is stale. */
export async function readCache(dir: string, listing: FolderListing, to: DecodeTarget): Promise<DecodedImages | undefined> {
  let index: CacheIndex;
  try {
    index = JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as CacheIndex;
  } catch {
    return undefined;
  }
  const fresh =
    index.format === 'aae-map-image-cache' &&
    index.version === 1 &&
    index.width === to.width &&
    index.height === to.height &&
    (index.channels ?? 1) === to.channels &&
    index.classNames.join('/') === listing.classNames.join('/') &&
    sameFiles(index.files, listing.files);
  if (!fresh) return undefined;
  const pixels = await readFile(join(dir, PIXELS)).catch(() => undefined);
  if (!pixels || pixels.length !== index.kept.length * to.width * to.height * to.channels) return undefined;
  return { pixels, kept: Int32Array.from(index.kept), failed: index.failed };
}

export async function writeCache(dir: string, listing: FolderListing, to: DecodeTarget, decoded: DecodedImages): Promise<void> {
  const index: CacheIndex = {
    format: 'aae-map-image-cache',
    version: 1,
    width: to.width,
    height: to.height,
    channels: to.channels,
    classNames: listing.classNames,
    files: listing.files,
    kept: Array.from(decoded.kept),
    failed: decoded.failed,
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, PIXELS), decoded.pixels);
    await writeFile(join(tmp, INDEX), JSON.stringify(index));
  });
}
