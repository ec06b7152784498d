/**
 * Decodes a listed folder into one packed uint8 buffer of N × height × width × channels values.
 * Files are read and decoded a chunk at a time (shared decodeBatch: JS for PNGs at the target size, sharp
 * with a few files in flight otherwise), so memory holds the output plus one chunk and the few
 * files being decoded, never the whole folder's bytes.
 */
import { join } from 'node:path';
import { Progress } from '../cli/progress.ts';
import { UserError } from '../cli/user-error.ts';
import type { InputChannels } from '../contracts/model-metadata.ts';
import { decodeBatch } from './decode-batch.ts';
import type { FolderListing } from './folder-listing.ts';

/** What each image is decoded to. */
export interface DecodeTarget {
  width: number;
  height: number;
  channels: InputChannels;
}

export interface DecodedImages {
  /** The images that decoded, in listing order: kept.length × height × width × channels. */
  pixels: Uint8Array;
  /** Listing index of each image in `pixels`. */
  kept: Int32Array;
  /** Files that could not be decoded, with a one-line reason. */
  failed: { path: string; reason: string }[];
}

const CHUNK = 256;

/**
 * With `convertColour` false, the first file whose colour differs from the model's (colour.ts)
 * refuses the whole decode: its caller writes only at the end, so nothing is lost.
 */
export async function decodeListing(
  listing: FolderListing,
  to: DecodeTarget,
  progress: boolean,
  convertColour: boolean,
): Promise<DecodedImages> {
  const px = to.width * to.height * to.channels;
  const n = listing.files.length;
  const pixels = new Uint8Array(n * px);
  const kept = new Int32Array(n);
  const failed: DecodedImages['failed'] = [];
  let count = 0;
  const bar = progress ? new Progress({ total: n, unit: 'files', label: `decode ${listing.root}` }) : undefined;
  for (let start = 0; start < n; start += CHUNK) {
    const paths = listing.files.slice(start, start + CHUNK).map((f) => f.path);
    const r = await decodeBatch({ root: listing.root, paths, ...to, convertColour });
    const colour = r.failed.find((f) => f.colour);
    if (colour) {
      bar?.finish();
      throw new UserError(`${join(listing.root, paths[colour.index]!)} is ${colour.reason}`);
    }
    pixels.set(r.pixels, count * px);
    for (const i of r.ok) kept[count++] = start + i;
    for (const f of r.failed) failed.push({ path: paths[f.index]!, reason: f.reason });
    bar?.tick(paths.length);
  }
  bar?.finish();
  return { pixels: pixels.subarray(0, count * px), kept: kept.slice(0, count), failed };
}
