/**
 * What training reads: images as raw uint8 H×W pixels (gray) or H×W×3 (RGB, interleaved), or
 * feature vectors as float32 rows of D values, plus integer labels (-1 = unknown). Readers for IDX
 * files, image folders and feature files all produce a `Dataset`; the networks see every input as
 * one flat row either way.
 */
import type { InputChannels, InputKind, Normalization, Standardization } from '@aae-map/shared';

/** Images' uint8 pixels, or feature vectors' float32 values. */
export type InputRows = Uint8Array | Float32Array;

export interface ImageSplit {
  /** `count` rows of height×width×channels values, one after another: uint8 pixels, or float32 features. */
  pixels: InputRows;
  count: number;
  /** One per image: a class index into `Dataset.classNames`, or -1 when unknown. */
  labels: Int32Array;
}

export interface Dataset {
  /** Short name stored in the manifest, e.g. 'mnist'. */
  name: string;
  /** @default 'image' */
  inputKind?: InputKind;
  classNames: string[];
  /** Feature vectors: 1 and D. */
  height: number;
  width: number;
  /** 1: gray; 3: RGB, the model's input [N, H, W, 3]. @default 1 */
  channels?: InputChannels;
  train: ImageSplit;
  /** Held-out images; accuracy is reported on these when they have labels. */
  test?: ImageSplit;
  /** Training images held out by --validation; their error is reported after each epoch. */
  validation?: ImageSplit;
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
  const size = indices.length * pixelsPerImage;
  const pixels: InputRows = split.pixels instanceof Float32Array ? new Float32Array(size) : new Uint8Array(size);
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

/**
 * `indices`' rows as encoder input, into `out`: pixels scaled, x = pixel·scale + offset, or features
 * standardised, x = (v − mean) / std in float32 steps as the exported graph's Sub and Div take them.
 */
export function gatherNormalized(
  split: ImageSplit,
  indices: ArrayLike<number>,
  pixelsPerImage: number,
  norm: Normalization | Standardization,
  out = new Float32Array(indices.length * pixelsPerImage),
): Float32Array {
  const src = split.pixels;
  if ('mean' in norm) {
    const mean = Float32Array.from(norm.mean);
    const std = Float32Array.from(norm.std);
    for (let k = 0; k < indices.length; k++) {
      const from = indices[k]! * pixelsPerImage;
      const to = k * pixelsPerImage;
      for (let p = 0; p < pixelsPerImage; p++) out[to + p] = Math.fround(src[from + p]! - mean[p]!) / std[p]!;
    }
    return out;
  }
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k]! * pixelsPerImage;
    const to = k * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) out[to + p] = scalePixel(src[from + p]!, norm);
  }
  return out;
}

const scalePixel = (v: number, n: Normalization) => v * n.scale + n.offset;

/** The encoder input of each uint8 pixel value 0..255, as gatherNormalized computes it (the GPU's gather looks pixels up here). */
export const pixelTable = (norm: Normalization): Float32Array => Float32Array.from({ length: 256 }, (_, v) => scalePixel(v, norm));

/** The input scaling an architecture trains with: its standardisation for feature vectors, else its pixel normalization. */
export const inputScaling = (a: { normalization: Normalization; standardization?: Standardization }): Normalization | Standardization =>
  a.standardization ?? a.normalization;
