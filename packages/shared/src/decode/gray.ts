/**
 * RGBA → the model's pixels exactly as sharp gives them (libvips 8.18), so the pure-JS PNG path
 * and the sharp path give identical pixels. Gray, as `.flatten().grayscale()`:
 * - flatten onto black: v·a/255, truncated;
 * - sRGB → linear through a float32 table, Y = 0.2126 R + 0.7152 G + 0.0722 B in linear light,
 *   then back to sRGB through an integer table with linear interpolation, rounded.
 * RGB, as `.flatten().toColourspace('srgb')`: each channel flattened onto black, gray images
 * replicated to three channels.
 * Verified equal on every pixel of random RGB/RGBA images (packages/infer/test/decode.test.ts).
 * Browser-safe: the page (packages/web) uses it on canvas pixels.
 */
import type { InputChannels } from '../contracts/model-metadata.ts';

const f32 = Math.fround;

const toLinear = new Float32Array(256);
const toSrgb = new Int32Array(257);
for (let i = 0; i < 256; i++) {
  const f = f32(i / 255);
  toLinear[i] = f <= 0.04045 ? f / 12.92 : ((f + 0.055) / 1.055) ** 2.4;
  const v = f32(f <= 0.0031308 ? 12.92 * f : 1.055 * f ** (1 / 2.4) - 0.055);
  toSrgb[i] = Math.round(255 * v);
}
toSrgb[256] = toSrgb[255]!;

/** C's rint(): round half to even. */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Gray value of one sRGB pixel, as libvips's scRGB → B_W conversion computes it. */
export function srgbToGray(r: number, g: number, b: number): number {
  if (r === g && g === b) return r;
  const y = f32(0.2126 * toLinear[r]! + 0.7152 * toLinear[g]! + 0.0722 * toLinear[b]!);
  const yf = Math.min(255, Math.max(0, f32(y * 255)));
  const yi = Math.trunc(yf);
  const v = f32(toSrgb[yi]! + f32((toSrgb[yi + 1]! - toSrgb[yi]!) * f32(yf - yi)));
  return rint(v);
}

/** Packs `count` RGBA pixels into `out` at `offset` as gray bytes. `color`: false when R = G = B. */
export function rgbaToGray(rgba: Uint8Array, count: number, out: Uint8Array, offset: number, color: boolean): void {
  for (let i = 0; i < count; i++) {
    const p = 4 * i;
    const a = rgba[p + 3]!;
    let r = rgba[p]!;
    if (!color) {
      out[offset + i] = a === 255 ? r : Math.floor((r * a) / 255);
      continue;
    }
    let g = rgba[p + 1]!;
    let b = rgba[p + 2]!;
    if (a !== 255) {
      r = Math.floor((r * a) / 255);
      g = Math.floor((g * a) / 255);
      b = Math.floor((b * a) / 255);
    }
    out[offset + i] = srgbToGray(r, g, b);
  }
}

/** Packs `count` RGBA pixels into `out` at `offset` as RGB bytes, alpha flattened onto black. */
export function rgbaToRgb(rgba: Uint8Array, count: number, out: Uint8Array, offset: number): void {
  for (let i = 0; i < count; i++) {
    const p = 4 * i;
    const q = offset + 3 * i;
    const a = rgba[p + 3]!;
    for (let c = 0; c < 3; c++) out[q + c] = a === 255 ? rgba[p + c]! : Math.floor((rgba[p + c]! * a) / 255);
  }
}

/** RGBA pixels as a model of `channels` takes them: gray (rgbaToGray) or RGB (rgbaToRgb). */
export function rgbaToChannels(
  rgba: Uint8Array,
  count: number,
  out: Uint8Array,
  offset: number,
  channels: InputChannels,
  color: boolean,
): void {
  if (channels === 3) rgbaToRgb(rgba, count, out, offset);
  else rgbaToGray(rgba, count, out, offset, color);
}
