/**
 * Decoding an image file to the model's input at its width x height: gray uint8, or RGB uint8
 * (interleaved) for a 3-channel model. The browser decodes (createImageBitmap, off the main
 * thread), an OffscreenCanvas flattens alpha onto black and resizes, and the conversion is the
 * CLI's own (libvips's linear-light luma for gray; a gray file's value in all three channels for
 * RGB), so a PNG already at the model's size gives the same bytes as `embed`. Resizing uses the
 * browser's high-quality filter, not libvips's lanczos3, so resized images differ slightly from the CLI.
 * A file whose colour differs from the model's is refused by the CLI's rule (shared's colour.ts)
 * unless the user ticked "convert colours".
 */
import { colourMismatch, type InputChannels, isColourImage, isGrayFile, rgbaToChannels } from './shared.ts';

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

  /** Starts decoding; rejects for files the browser cannot read as images, and gray files for an RGB model unless converting. */
  async decode(file: Blob): Promise<ImageBitmap> {
    // The file's pixel values as stored: no colour-profile conversion, no premultiplication.
    const bitmap = createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    if (this.channels === 3 && !this.convertColour && isGrayFile(new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer()))) {
      bitmap.then((b) => b.close()).catch(() => undefined);
      throw colourMismatch(3, HOW_TO_CONVERT);
    }
    return bitmap;
  }

  /** Writes the bitmap's pixels to out[offset .. offset + size) and closes it; throws, writing nothing, for a colour image a gray model refuses. */
  put(bitmap: ImageBitmap, out: Uint8Array, offset: number): void {
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
