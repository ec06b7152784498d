/**
 * Real MNIST test digits as PNG files, one subfolder per label, so that a new user has a folder
 * to run `embed` on straight away.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MNIST_CLASS_NAMES, readMnist, UserError } from '@aae-map/shared';
import { PNG } from 'pngjs';

/** An 8-bit grayscale PNG of `pixels` (width x height, row-major). */
export function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels);
  // pngjs reads `data` as gray when inputColorType is 0, and writes colour type 0.
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/**
 * Writes the first `count` MNIST test images to `<out>/<label>/<index>.png`, index zero-padded
 * to 5 digits so names sort in test-set order. Returns the files written, relative to `out`.
 */
export async function writeSampleImages(out: string, count: number): Promise<string[]> {
  const mnist = await readMnist('test');
  if (!Number.isInteger(count) || count < 1 || count > mnist.count)
    throw new UserError(`--count must be from 1 to ${mnist.count} (the MNIST test set), got ${count}`);
  const size = mnist.height * mnist.width;
  for (const name of MNIST_CLASS_NAMES) await mkdir(join(out, name), { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const rel = `${MNIST_CLASS_NAMES[mnist.labels[i]!]}/${String(i).padStart(5, '0')}.png`;
    await writeFile(join(out, rel), encodeGrayPng(mnist.pixels.subarray(i * size, (i + 1) * size), mnist.width, mnist.height));
    files.push(rel);
  }
  return files;
}
