/**
 * Turns an image file's bytes into the model's input: gray uint8, width x height, row-major.
 * sharp costs about 1 ms per call whatever the image size (docs/design.md, Speed), so PNGs that already have
 * the model's size are decoded in JS: the common 8-bit subset directly (png-direct.ts), other
 * ones with pngjs (png-fast.ts). Everything else, and any PNG those reject, goes through sharp.
 */
import type { Sharp, SharpInput, SharpOptions } from 'sharp';
import { DecodeError } from './decode-error.ts';
import { decodePngDirect } from './png-direct.ts';
import { decodePngGray, fastPathApplies, readPngHeader } from './png-fast.ts';

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

/** Decodes with sharp: flatten alpha onto black, gray, stretch to width x height. */
export async function decodeWithSharp(buf: Uint8Array, width: number, height: number, out: Uint8Array, offset: number): Promise<void> {
  const sharp = await loadSharp();
  let data: Buffer;
  try {
    data = await sharp(buf, { pages: 1 })
      .flatten({ background: '#000000' })
      .grayscale()
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new DecodeError(oneLine((err as Error).message));
  }
  if (data.length !== width * height) throw new DecodeError(`decoded to ${data.length} bytes, expected ${width * height}`);
  out.set(data, offset);
}

/**
 * Decodes into `out[offset .. offset + width·height)`. Returns undefined when done synchronously
 * (the fast path), else a promise, so a caller can run sharp decodes concurrently.
 */
export function decodeImage(buf: Uint8Array, width: number, height: number, out: Uint8Array, offset: number): Promise<void> | undefined {
  if (buf.length === 0) throw new DecodeError('empty file');
  const header = readPngHeader(buf);
  if (fastPathApplies(header, width, height)) {
    try {
      const h = header;
      if (!decodePngDirect(buf, width, height, h.bitDepth, h.colorType, h.interlace, out, offset)) decodePngGray(buf, h, out, offset);
      return undefined;
    } catch {
      // Damaged file: let sharp have the final word, and give its reason.
    }
  }
  return decodeWithSharp(buf, width, height, out, offset);
}
