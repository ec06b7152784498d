/**
 * Decoding an image file to the model's input at its width x height: gray uint8, or RGB uint8
 * (interleaved) for a 3-channel model. The browser decodes (createImageBitmap, off the main
 * thread), an OffscreenCanvas flattens alpha onto black and resizes, and the conversion is the
 * CLI's own (libvips's linear-light luma for gray; a gray file's value in all three channels for
 * RGB), so a PNG already at the model's size gives the same bytes as `embed`. Resizing uses the
 * browser's high-quality filter, not libvips's lanczos3, so resized images differ slightly from the CLI.
 */
import { type InputChannels, rgbaToChannels } from './shared.ts';

export class ImageDecoder {
  private readonly ctx: OffscreenCanvasRenderingContext2D;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: InputChannels,
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

  /** Starts decoding; rejects for files the browser cannot read as images. */
  static decode(file: Blob): Promise<ImageBitmap> {
    // The file's pixel values as stored: no colour-profile conversion, no premultiplication.
    return createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  }

  /** Writes the bitmap's pixels to out[offset .. offset + size) and closes it. */
  put(bitmap: ImageBitmap, out: Uint8Array, offset: number): void {
    const { ctx, width, height } = this;
    ctx.globalCompositeOperation = 'copy';
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    ctx.globalCompositeOperation = 'source-over';
    ctx.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    const rgba = ctx.getImageData(0, 0, width, height).data;
    rgbaToChannels(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length), width * height, out, offset, this.channels, true);
  }
}
