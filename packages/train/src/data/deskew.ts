/**
 * Moment deskewing (the classic normalisation of handwritten digits): each image is sheared
 * along x so that its ink has no slant, and shifted so that its centre of mass sits at the
 * image's centre. --neighbour-space deskewed finds neighbours on these images: slant and
 * position are what the training warps change without changing the class, and on pixels they
 * are what make a slanted 4 the neighbour of a 9.
 *
 * Mass is the pixel value averaged over channels, so it suits bright shapes on a dark
 * background: digits and letters (on Fashion-MNIST it makes neighbours no purer, docs/design.md).
 * The shear is a = μ11 / μ02 over the image's central moments; each output pixel (x, y) reads
 * the input at (x + a·(y − ȳ) + x̄ − cx, y + ȳ − cy) with bilinear interpolation, and outside the
 * image reads 0.
 */
import type { ImageSplit } from './dataset.ts';

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Centre of mass and shear of one image: [x̄, ȳ, a]; an empty image gets its centre and no shear. */
function slant(pixels: Uint8Array, shape: ImageShape): [number, number, number] {
  const { height: h, width: w, channels: c } = shape;
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = massAt(pixels, (y * w + x) * c, c);
      m += p;
      sx += p * x;
      sy += p * y;
    }
  if (m === 0) return [(w - 1) / 2, (h - 1) / 2, 0];
  const mx = sx / m;
  const my = sy / m;
  let m11 = 0;
  let m02 = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = massAt(pixels, (y * w + x) * c, c);
      m11 += p * (x - mx) * (y - my);
      m02 += p * (y - my) ** 2;
    }
  return [mx, my, m02 > 0 ? m11 / m02 : 0];
}

function massAt(pixels: Uint8Array, at: number, channels: number): number {
  let s = 0;
  for (let k = 0; k < channels; k++) s += pixels[at + k]!;
  return s / channels;
}

/** One image deskewed and centred, written into `out` (same shape). */
export function deskewImage(pixels: Uint8Array, shape: ImageShape, out: Uint8Array): void {
  const { height: h, width: w, channels: c } = shape;
  const [mx, my, a] = slant(pixels, shape);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const read = (x: number, y: number, k: number) => (x >= 0 && x < w && y >= 0 && y < h ? pixels[(y * w + x) * c + k]! : 0);
  for (let y = 0; y < h; y++) {
    const sy = y + my - cy;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = x + a * (sy - my) + mx - cx;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      for (let k = 0; k < c; k++) {
        const top = read(x0, y0, k) * (1 - fx) + read(x0 + 1, y0, k) * fx;
        const bottom = read(x0, y0 + 1, k) * (1 - fx) + read(x0 + 1, y0 + 1, k) * fx;
        out[(y * w + x) * c + k] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
}

/** Every image of a split deskewed (labels shared); for uint8 images only. */
export function deskewSplit(split: ImageSplit, shape: ImageShape): ImageSplit {
  if (!(split.pixels instanceof Uint8Array)) throw new Error('deskewSplit: needs uint8 images, not feature vectors');
  const size = shape.height * shape.width * shape.channels;
  const pixels = new Uint8Array(split.count * size);
  for (let i = 0; i < split.count; i++) {
    deskewImage(split.pixels.subarray(i * size, (i + 1) * size), shape, pixels.subarray(i * size, (i + 1) * size));
  }
  return { pixels, count: split.count, labels: split.labels };
}
