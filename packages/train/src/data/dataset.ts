/**
 * What training reads: images as raw uint8 H×W pixels (gray) or H×W×3 (RGB, interleaved) plus
 * integer labels (-1 = unknown). Readers for IDX files and image folders all produce a `Dataset`.
 */
import type { InputChannels } from '@aae-map/shared';

export interface ImageSplit {
  /** `count` images of height×width×channels uint8 values, row-major, one after another. */
  pixels: Uint8Array;
  count: number;
  /** One per image: a class index into `Dataset.classNames`, or -1 when unknown. */
  labels: Int32Array;
}

export interface Dataset {
  /** Short name stored in the manifest, e.g. 'mnist'. */
  name: string;
  classNames: string[];
  height: number;
  width: number;
  /** 1: gray; 3: RGB, the model's input [N, H, W, 3]. @default 1 */
  channels?: InputChannels;
  train: ImageSplit;
  /** Held-out images; accuracy is reported on these when they have labels. */
  test?: ImageSplit;
}

/** Bytes of one image of `ds`. */
export const pixelsPerImage = (ds: Pick<Dataset, 'height' | 'width' | 'channels'>): number => ds.height * ds.width * (ds.channels ?? 1);

/** Keeps the first `limit` images of a split (all when limit is undefined or larger). */
export function limitSplit(split: ImageSplit, limit: number | undefined, pixelsPerImage: number): ImageSplit {
  if (limit === undefined || limit >= split.count) return split;
  return {
    pixels: split.pixels.subarray(0, limit * pixelsPerImage),
    count: limit,
    labels: split.labels.subarray(0, limit),
  };
}

/** The images at `indices` (any order), copied into a split of their own. */
export function subsetSplit(split: ImageSplit, indices: ArrayLike<number>, pixelsPerImage: number): ImageSplit {
  const pixels = new Uint8Array(indices.length * pixelsPerImage);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    pixels.set(split.pixels.subarray(i * pixelsPerImage, (i + 1) * pixelsPerImage), k * pixelsPerImage);
    labels[k] = split.labels[i]!;
  }
  return { pixels, count: indices.length, labels };
}

/** Number of images per class (unknown labels are not counted). */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l >= 0 && l < classes) counts[l]!++;
  }
  return counts;
}

/** Scales `indices`' images into `out` as floats: x = pixel·scale + offset. */
export function gatherNormalized(
  split: ImageSplit,
  indices: ArrayLike<number>,
  pixelsPerImage: number,
  norm: { scale: number; offset: number },
  out = new Float32Array(indices.length * pixelsPerImage),
): Float32Array {
  const { scale, offset } = norm;
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k]! * pixelsPerImage;
    const dst = k * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) out[dst + p] = split.pixels[src + p]! * scale + offset;
  }
  return out;
}
