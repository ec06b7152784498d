/**
 * Whether an image folder trains a gray or an RGB model when --channels is not given: a sample
 * of its images, spread evenly over the listing (so over the classes, which the listing keeps
 * together), is decoded as RGB at the training size, and one image in colour makes it RGB.
 * Colour is decided on the pixels, not the file type: gray photos are often stored as RGB JPEGs.
 * The rule (shared's isColourImage) is the one embed and evaluate apply to a gray model's files.
 */

import type { InputChannels } from '@aae-map/shared';
import { decodeBatch, type FolderListing, isColourImage } from '@aae-map/shared/decode';
import type { ImageSize } from './folder-files.ts';

/** Images decoded to decide (all of them in a smaller folder). */
export const COLOUR_SAMPLE = 32;

export interface ChannelChoice {
  channels: InputChannels;
  /** Images of the sample that decoded, and how many of them are in colour. */
  sampled: number;
  colour: number;
}

/** Decodes up to COLOUR_SAMPLE of `listing`'s images and decides; files that fail to decode are left out. */
export async function chooseChannels(listing: FolderListing, size: ImageSize): Promise<ChannelChoice> {
  const n = listing.files.length;
  const m = Math.min(n, COLOUR_SAMPLE);
  const paths = Array.from({ length: m }, (_, k) => listing.files[Math.floor((k * n) / m)]!.path);
  const r = await decodeBatch({ root: listing.root, paths, ...size, channels: 3, convertColour: true });
  const px = size.width * size.height * 3;
  let colour = 0;
  for (let i = 0; i < r.ok.length; i++) if (isColourImage(r.pixels.subarray(i * px, (i + 1) * px))) colour++;
  return { channels: colour > 0 ? 3 : 1, sampled: r.ok.length, colour };
}

/** The line that tells the user what was chosen and how to choose otherwise. */
export function describeChoice(c: ChannelChoice, folder: string): string {
  return c.channels === 3
    ? `channels: 3 (RGB), since ${c.colour} of ${c.sampled} images sampled from ${folder} are in colour; --channels 1 trains on gray`
    : `channels: 1 (gray), since none of ${c.sampled} images sampled from ${folder} is in colour; --channels 3 trains on RGB`;
}
