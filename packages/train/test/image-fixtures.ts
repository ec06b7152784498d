/**
 * Image folders for the folder tests (here and in the root test/ folder): real MNIST digits as
 * PNG files, gray images in every format train reads, and IDX files of the same pixels.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { comparePaths, type LabelledImages, MNIST_CLASS_NAMES } from '@aae-map/shared';
import sharp from 'sharp';

export type ImageFormat = 'png' | 'jpg' | 'webp' | 'gif' | 'tiff';

/**
 * Writes gray pixels (width × height) as one image file; lossless except jpg. sharp stores them as
 * RGB (three equal channels) unless `grayTyped`: then as a gray file (PNG colour type 0, a
 * one-component JPEG), which embed refuses for an RGB model.
 */
export async function writeGray(
  file: string,
  pixels: Uint8Array,
  width: number,
  height: number,
  format: ImageFormat = 'png',
  grayTyped = false,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const raw = sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } });
  const img = grayTyped ? raw.toColourspace('b-w') : raw;
  const encoded =
    format === 'jpg'
      ? img.jpeg({ quality: 95 })
      : format === 'webp'
        ? img.webp({ lossless: true })
        : format === 'gif'
          ? img.gif()
          : format === 'tiff'
            ? img.tiff()
            : img.png();
  await encoded.toFile(file);
}

/**
 * Writes MNIST images `indices` as `<root>/<class>/<index>.png`, the class folder named
 * `names[digit]` (default: the digit), or as `<root>/unlabeled/<index>.png` where
 * `unlabelled(index)` says so. Returns the paths in the order the folder walk lists them.
 */
export async function writeMnistFolder(
  root: string,
  mnist: LabelledImages,
  indices: number[],
  unlabelled: (index: number) => boolean = () => false,
  names: readonly string[] = MNIST_CLASS_NAMES,
): Promise<string[]> {
  const size = mnist.height * mnist.width;
  const paths = indices.map((i) => `${unlabelled(i) ? 'unlabeled' : names[mnist.labels[i]!]}/${String(i).padStart(5, '0')}.png`);
  const CONCURRENT = 8;
  for (let k = 0; k < indices.length; k += CONCURRENT) {
    await Promise.all(
      indices
        .slice(k, k + CONCURRENT)
        .map((i, j) => writeGray(join(root, paths[k + j]!), mnist.pixels.subarray(i * size, (i + 1) * size), mnist.width, mnist.height)),
    );
  }
  return paths.sort(comparePaths);
}

/** An IDX3 image file and IDX1 label file holding MNIST images `indices`, in that order. */
export async function writeIdxPair(images: string, labels: string, mnist: LabelledImages, indices: number[]): Promise<void> {
  const size = mnist.height * mnist.width;
  const img = new Uint8Array(16 + indices.length * size);
  const view = new DataView(img.buffer);
  [0x803, indices.length, mnist.height, mnist.width].forEach((v, k) => {
    view.setUint32(4 * k, v, false);
  });
  indices.forEach((i, k) => {
    img.set(mnist.pixels.subarray(i * size, (i + 1) * size), 16 + k * size);
  });
  const lab = new Uint8Array(8 + indices.length);
  [0x801, indices.length].forEach((v, k) => {
    new DataView(lab.buffer).setUint32(4 * k, v, false);
  });
  indices.forEach((i, k) => {
    lab[8 + k] = mnist.labels[i]!;
  });
  await writeFile(images, img);
  await writeFile(labels, lab);
}

/** The MNIST index a `writeMnistFolder` path stands for ('7/00042.png' → 42). */
export const mnistIndexOf = (path: string): number => Number(path.slice(path.lastIndexOf('/') + 1, -'.png'.length));
