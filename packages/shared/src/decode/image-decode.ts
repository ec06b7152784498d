/**
 * Turns an image file's bytes into the model's input: width x height, row-major uint8, gray
 * (1 channel) or RGB (3 channels, interleaved). A file whose colour differs from the model's
 * (colour.ts) is refused unless `convertColour`: then a colour file for a gray model is converted
 * to gray, and a gray file for an RGB model has its value replicated to the three channels.
 * sharp costs about 1 ms per call whatever the image size (docs/design.md, Speed), so PNGs that
 * already have the model's size are decoded in JS: the common 8-bit subset directly (png-direct.ts,
 * on png-core.ts's rules, which the page shares), other ones with pngjs (png-fast.ts). Everything
 * else, and any PNG those reject, goes through sharp.
 */
import type { Sharp, SharpInput, SharpOptions } from 'sharp';
import type { InputChannels } from '../contracts/model-metadata.ts';
import { ColourMismatchError, colourMismatch, isColourImage, isGrayFile } from './colour.ts';
import { DecodeError } from './decode-error.ts';
import { DEFAULT_MAX_PIXELS, maxFileBytes } from './image-limits.ts';
import { decodeUnderColourRule } from './png-core.ts';
import { decodePngDirect } from './png-direct.ts';
import { decodePngWithPngjs } from './png-fast.ts';
import { fastPathApplies, readPngHeader } from './png-header.ts';

export { DecodeError };

type SharpFactory = (input: SharpInput, options?: SharpOptions) => Sharp;
let loading: Promise<SharpFactory> | undefined;

/** sharp loads on first use: a decode worker that only sees small PNGs never pays its ~150 ms. */
function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // Decoded images are used once; libvips's operation cache would only hold memory.
    sharp.cache(false);
    return sharp;
  });
  return loading;
}

const oneLine = (msg: string) => msg.split('\n')[0]!.trim();

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels)
    throw new DecodeError(`image is ${width} x ${height} pixels, more than the ${maxPixels} allowed (--max-pixels)`);
}

/** sharp's reading of a header: the image's size, or undefined when the header needs more than `head`. */
async function sharpHeader(head: Uint8Array): Promise<{ width: number; height: number } | undefined> {
  const sharp = await loadSharp();
  try {
    const m = await sharp(head, { pages: 1 }).metadata();
    return { width: m.width, height: m.pageHeight ?? m.height };
  } catch (err) {
    // sharp tells formats apart by their first bytes, so this is its verdict on the whole file.
    if (/unsupported image format/i.test((err as Error).message)) throw new DecodeError(oneLine((err as Error).message));
    return undefined;
  }
}

/**
 * Checks a file from its first bytes (`head`), before the rest of its `size` bytes is read: a
 * format sharp does not know, more than `maxPixels` pixels, or more than maxFileBytes.
 */
export async function checkHead(head: Uint8Array, size: number, maxPixels: number): Promise<void> {
  const dims = readPngHeader(head) ?? (await sharpHeader(head));
  if (dims) checkPixels(dims.width, dims.height, maxPixels);
  const limit = maxFileBytes(maxPixels);
  if (size > limit)
    throw new DecodeError(`file is ${size} bytes, more than the ${limit} read for an image of at most ${maxPixels} pixels (--max-pixels)`);
}

/** Decodes with sharp: flatten alpha onto black, gray or sRGB, stretch to width x height. */
export async function decodeWithSharp(
  buf: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  offset: number,
  maxPixels = DEFAULT_MAX_PIXELS,
  channels: InputChannels = 1,
  convertColour = true,
): Promise<void> {
  const sharp = await loadSharp();
  const decode = async (as: InputChannels) => {
    let data: Buffer;
    try {
      const flat = sharp(buf, { pages: 1, limitInputPixels: maxPixels }).flatten({ background: '#000000' });
      // toColourspace, not removeAlpha alone: a gray file must come out as three equal channels.
      data = await (as === 1 ? flat.grayscale() : flat.toColourspace('srgb')).resize(width, height, { fit: 'fill' }).raw().toBuffer();
    } catch (err) {
      throw new DecodeError(oneLine((err as Error).message));
    }
    const bytes = width * height * as;
    if (data.length !== bytes) throw new DecodeError(`decoded to ${data.length} bytes, expected ${bytes}`);
    return data;
  };
  if (!convertColour) {
    const gray = isGrayFile(buf) ?? (await sharpChannels(buf)) <= 2;
    if (gray && channels === 3) throw colourMismatch(3);
    // Checked at the model's size, as train decides; the gray pixels are then sharp's own, as with conversion.
    if (!gray && channels === 1 && isColourImage(await decode(3))) throw colourMismatch(1);
  }
  out.set(await decode(channels), offset);
}

/** The file's channels as sharp reads them (alpha included); 3 when it cannot tell, and the decode will say why. */
async function sharpChannels(buf: Uint8Array): Promise<number> {
  const sharp = await loadSharp();
  return sharp(buf, { pages: 1 })
    .metadata()
    .then((m) => m.channels ?? 3)
    .catch(() => 3);
}

/**
 * Decodes into `out[offset .. offset + width·height·channels)`, converting colour unless `convertColour`
 * is false (decodeBatch's default). Returns undefined when done synchronously
 * (the fast path), else a promise, so a caller can run sharp decodes concurrently. Images of more
 * than `maxPixels` pixels are refused.
 */
export function decodeImage(
  buf: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  offset: number,
  maxPixels = DEFAULT_MAX_PIXELS,
  channels: InputChannels = 1,
  convertColour = true,
): Promise<void> | undefined {
  if (buf.length === 0) throw new DecodeError('empty file');
  const header = readPngHeader(buf);
  if (header) checkPixels(header.width, header.height, maxPixels);
  if (fastPathApplies(header, width, height)) {
    const h = header;
    try {
      decodeUnderColourRule(h, out, offset, channels, convertColour, (into, at, ch) => {
        if (!decodePngDirect(buf, h, into, at, ch)) decodePngWithPngjs(buf, h, into, at, ch);
        return true;
      });
    } catch (err) {
      if (err instanceof ColourMismatchError) throw err;
      // Damaged file: let sharp have the final word, and give its reason.
      return decodeWithSharp(buf, width, height, out, offset, maxPixels, channels, convertColour);
    }
    return undefined;
  }
  return decodeWithSharp(buf, width, height, out, offset, maxPixels, channels, convertColour);
}
