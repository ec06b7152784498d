/**
 * Decoding an image file's bytes to the model's input at its width x height: gray uint8, or RGB
 * uint8 (interleaved) for a 3-channel model. PNGs at the model's size in the common 8-bit subset
 * go through `embed`'s own decoder (shared's png-core.ts, with fflate's inflate), which costs a
 * few µs where the browser's decode, canvas draw and read-back cost about 100. Everything else
 * the browser decodes (createImageBitmap), an OffscreenCanvas flattens alpha onto black and
 * resizes, and the conversion is the CLI's own (libvips's linear-light luma for gray; a gray
 * file's value in all three channels for RGB), so a PNG already at the model's size gives the
 * same bytes as `embed` either way. Resizing uses the browser's high-quality filter, not
 * libvips's lanczos3, so resized images differ slightly from the CLI.
 * A file whose colour differs from the model's is refused by the CLI's rule (shared's colour.ts)
 * unless the user ticked "convert colours".
 */
import { BROWSER_ZLIB } from './png-zlib.ts';
import {
  ColourMismatchError,
  colourMismatch,
  decodePngRows,
  decodeUnderColourRule,
  fastPathApplies,
  type InputChannels,
  isColourImage,
  isGrayFile,
  readPngHeader,
  rgbaToChannels,
} from './shared.ts';

/** What the user does on the page to convert instead of being refused. */
const HOW_TO_CONVERT = 'tick "convert colours"';

/** A JPEG's frame header comes after its EXIF block, which holds at most 64 KiB. */
const HEAD_BYTES = 1 << 16;

export class ImageDecoder {
  private readonly ctx: OffscreenCanvasRenderingContext2D;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: InputChannels,
    readonly convertColour: boolean,
  ) {
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser has no OffscreenCanvas 2D context');
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    this.ctx = ctx;
  }

  /** Bytes of one decoded image. */
  get size(): number {
    return this.width * this.height * this.channels;
  }

  /**
   * Writes the image in `bytes` to out[offset .. offset + size); resolves true when the direct
   * PNG path decoded it, false when the browser did. Rejects for files the browser cannot read
   * as images, and for a colour mismatch unless converting (ColourMismatchError).
   */
  async decodeInto(bytes: Uint8Array, out: Uint8Array, offset: number): Promise<boolean> {
    if (this.decodePng(bytes, out, offset)) return true;
    if (this.channels === 3 && !this.convertColour && isGrayFile(bytes.subarray(0, HEAD_BYTES))) throw colourMismatch(3, HOW_TO_CONVERT);
    // The file's pixel values as stored: no colour-profile conversion, no premultiplication.
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
    this.put(bitmap, out, offset);
    return false;
  }

  /** The direct path; false when it does not apply or the file is damaged (the browser then has the final word, as sharp has in `embed`). */
  private decodePng(bytes: Uint8Array, out: Uint8Array, offset: number): boolean {
    const h = readPngHeader(bytes);
    if (!fastPathApplies(h, this.width, this.height)) return false;
    try {
      return decodeUnderColourRule(
        h,
        out,
        offset,
        this.channels,
        this.convertColour,
        (into, at, ch) => decodePngRows(bytes, h, into, at, ch, BROWSER_ZLIB),
        HOW_TO_CONVERT,
      );
    } catch (err) {
      if (err instanceof ColourMismatchError) throw err;
      return false;
    }
  }

  /** Writes the bitmap's pixels to out[offset .. offset + size) and closes it; throws, writing nothing, for a colour image a gray model refuses. */
  private put(bitmap: ImageBitmap, out: Uint8Array, offset: number): void {
    const { ctx, width, height } = this;
    ctx.globalCompositeOperation = 'copy';
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    ctx.globalCompositeOperation = 'source-over';
    ctx.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    const data = ctx.getImageData(0, 0, width, height).data;
    const rgba = new Uint8Array(data.buffer, data.byteOffset, data.length);
    // Drawn over black, so every alpha is 255 and the colour test sees the flattened pixels, as the CLI's does.
    if (this.channels === 1 && !this.convertColour && isColourImage(rgba, 4)) throw colourMismatch(1, HOW_TO_CONVERT);
    rgbaToChannels(rgba, width * height, out, offset, this.channels, true);
  }
}
