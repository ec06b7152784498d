/**
 * Draws the points straight into an ImageData buffer: a filled square of `size` pixels each,
 * one uint32 store per pixel. At 100,000 points that is about a million stores, a few ms, with
 * no WebGL needed (headless and GPU-less browsers often have none).
 */
import type { ViewTransform } from './view-transform.ts';

export interface SplatInput {
  xy: Float32Array;
  /** Draw order (a shuffle, so no category always ends up on top). */
  order: Uint32Array;
  /** Category per point; -1 = none. */
  colours: Int32Array;
  /** Pixel per category k at k + 1; index 0 for none; HIDDEN for categories not drawn. */
  palette: Uint32Array;
}

/** A palette entry that is not drawn (fully transparent, which no category colour is): a category hidden in the legend. */
export const HIDDEN = 0;

export function splatPoints(pixels: Uint32Array, view: ViewTransform, d: SplatInput, size: number): void {
  const { width, height } = view;
  const a = view.scale;
  // sx(x) = x·a + bx, sy(y) = by − y·a: the transform folded into two constants.
  const bx = width / 2 - view.cx * a - size / 2;
  const by = height / 2 + view.cy * a - size / 2;
  const { xy, order, colours, palette } = d;
  for (let n = 0; n < order.length; n++) {
    const i = order[n]!;
    const fx = xy[2 * i]! * a + bx;
    const fy = by - xy[2 * i + 1]! * a;
    // Also false for NaN, so unplottable points are skipped.
    if (!(fx > -size && fx < width && fy > -size && fy < height)) continue;
    const x0 = Math.max(0, Math.floor(fx));
    const x1 = Math.min(width, Math.floor(fx) + size);
    const y0 = Math.max(0, Math.floor(fy));
    const y1 = Math.min(height, Math.floor(fy) + size);
    const c = palette[colours[i]! + 1] ?? palette[0]!;
    if (c === HIDDEN) continue;
    // Plain stores: a TypedArray.fill call per 3-pixel row costs more than the stores.
    for (let y = y0; y < y1; y++) {
      const row = y * width;
      for (let x = x0; x < x1; x++) pixels[row + x] = c;
    }
  }
}

/** A fixed pseudo-random permutation of 0..n-1 (xorshift32, Fisher–Yates). */
export function shuffledOrder(n: number, seed = 0x9e3779b9): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
