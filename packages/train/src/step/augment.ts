/**
 * Random warps of the training images. The supervised phase sees the same 1000 (or 100)
 * labelled images every few iterations and fits them within the first epoch (labelled accuracy
 * 100%, supervised loss near 0), after which the test error stops falling. Warping each image a
 * little every time it is drawn turns it into a new example; digits keep their class under
 * small shifts, rotations and changes of size, so the encoder learns those invariances instead
 * of the pixels. On the first 20k MNIST images (3 epochs, test error): no augmentation 7.83%,
 * shifts of up to 2 px 5.34%, shifts plus rotations of up to 15° and scaling by up to 10%
 * 4.21%. Without labels shifting only hurt (unsupervised 2-D, 20 clusters: 56% error with it),
 * so augmentation is off by default there. docs/results.md has the figures.
 */
import type { Rng } from '../rng.ts';

/** Writes `img` shifted by the whole pixels (dy, dx) into `out`; pixels shifted in are `fill`. */
function shiftImage(
  img: Float32Array,
  height: number,
  width: number,
  dy: number,
  dx: number,
  fill: number,
  out: Float32Array,
  channels: number,
) {
  const row = width * channels;
  out.fill(fill);
  for (let r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
    const src = (r - dy) * row;
    const c0 = Math.max(0, dx) * channels;
    const c1 = Math.min(width, width + dx) * channels;
    const d = dx * channels;
    out.set(img.subarray(src + c0 - d, src + c1 - d), r * row + c0);
  }
}

/** Largest random changes of an affine warp (warpImages). */
export interface Warp {
  /** Largest shift in pixels (x and y each, uniform, continuous). */
  shift: number;
  /** Largest rotation in degrees (uniform in ±rotate). */
  rotate: number;
  /** Largest relative change of size (uniform factor in 1 ± scale). */
  scale: number;
}

export const NO_WARP: Warp = { shift: 0, rotate: 0, scale: 0 };

/** One image's warp: rotation (radians) and scaling about the centre, then a shift (pixels). */
export interface WarpParams {
  angle: number;
  scale: number;
  dy: number;
  dx: number;
}

export function drawWarp(warp: Warp, rng: Rng): WarpParams {
  const u = () => 2 * rng.float() - 1;
  return { angle: (u() * warp.rotate * Math.PI) / 180, scale: 1 + u() * warp.scale, dy: u() * warp.shift, dx: u() * warp.shift };
}

/** The rotation-and-scaling part of a warp, as the sampling uses it (the GPU's warp takes these too). */
export const warpMatrix = (p: WarpParams) => ({ cos: Math.cos(p.angle) / p.scale, sin: Math.sin(p.angle) / p.scale });

/**
 * Writes `img` (height × width × channels, row-major) warped by `p` into `out`, sampling
 * bilinearly; pixels from outside the image are `fill`. Output pixel q reads the source at
 * R(−angle)·(q − centre − shift) / scale + centre, every channel at the same place.
 */
export function warpImage(
  img: Float32Array,
  height: number,
  width: number,
  p: WarpParams,
  fill: number,
  out: Float32Array,
  channels = 1,
): void {
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  const { cos, sin } = warpMatrix(p);
  const row = width * channels;
  const at = (r: number, c: number, ch: number) =>
    r >= 0 && r < height && c >= 0 && c < width ? img[(r * width + c) * channels + ch]! : fill;
  // It runs on every training image before each iteration, on the trainer's critical path: no
  // per-pixel allocations, and in-bounds neighbourhoods read directly (the same arithmetic).
  for (let r = 0; r < height; r++) {
    const u = r - cy - p.dy;
    for (let c = 0; c < width; c++) {
      const v = c - cx - p.dx;
      const sr = cos * u - sin * v + cy;
      const sc = sin * u + cos * v + cx;
      const r0 = Math.floor(sr);
      const c0 = Math.floor(sc);
      const fr = sr - r0;
      const fc = sc - c0;
      const o = (r * width + c) * channels;
      if (r0 >= 0 && r0 + 1 < height && c0 >= 0 && c0 + 1 < width) {
        const i = (r0 * width + c0) * channels;
        for (let ch = 0; ch < channels; ch++) {
          const top = img[i + ch]! * (1 - fc) + img[i + channels + ch]! * fc;
          const bottom = img[i + row + ch]! * (1 - fc) + img[i + row + channels + ch]! * fc;
          out[o + ch] = top * (1 - fr) + bottom * fr;
        }
      } else {
        for (let ch = 0; ch < channels; ch++) {
          const top = at(r0, c0, ch) * (1 - fc) + at(r0, c0 + 1, ch) * fc;
          const bottom = at(r0 + 1, c0, ch) * (1 - fc) + at(r0 + 1, c0 + 1, ch) * fc;
          out[o + ch] = top * (1 - fr) + bottom * fr;
        }
      }
    }
  }
}

/** Warps each of `count` images in `x` in place by its own random draw (drawWarp). */
export function warpImages(
  x: Float32Array,
  count: number,
  height: number,
  width: number,
  warp: Warp,
  fill: number,
  rng: Rng,
  channels = 1,
): void {
  applyWarps(x, count, height, width, { integer: false, params: Array.from({ length: count }, () => drawWarp(warp, rng)) }, fill, channels);
}

/**
 * One batch's warps, drawn before any pixel is touched so that the host and the GPU
 * (webgpu-batch.ts) apply the same ones. `integer`: whole-pixel shifts (angle 0, scale 1),
 * which the host copies rather than resamples.
 */
export interface ImageWarps {
  integer: boolean;
  params: WarpParams[];
}

/**
 * The sampler's augmentation draws for `count` images: integer shifts when there is no rotation
 * or scaling, which keeps runs stored before those options drawing the same numbers; else warps
 * (drawWarp). Undefined, drawing nothing, when there is nothing to change.
 */
export function drawWarps(count: number, warp: Warp, rng: Rng): ImageWarps | undefined {
  if (warp.rotate !== 0 || warp.scale !== 0) return { integer: false, params: Array.from({ length: count }, () => drawWarp(warp, rng)) };
  const max = warp.shift;
  if (max <= 0) return undefined;
  const params = Array.from({ length: count }, () => {
    const dy = rng.int(2 * max + 1) - max;
    return { angle: 0, scale: 1, dy, dx: rng.int(2 * max + 1) - max };
  });
  return { integer: true, params };
}

/** Applies `warps` to the `count` images in `x`, in place. */
export function applyWarps(
  x: Float32Array,
  count: number,
  height: number,
  width: number,
  warps: ImageWarps,
  fill: number,
  channels = 1,
): void {
  const px = height * width * channels;
  const tmp = new Float32Array(px);
  for (let k = 0; k < count; k++) {
    const img = x.subarray(k * px, (k + 1) * px);
    const p = warps.params[k]!;
    if (warps.integer) shiftImage(img, height, width, p.dy, p.dx, fill, tmp, channels);
    else warpImage(img, height, width, p, fill, tmp, channels);
    img.set(tmp);
  }
}

/** The sampler's augmentation in one call: drawWarps, then applyWarps. */
export function augmentImages(
  x: Float32Array,
  count: number,
  height: number,
  width: number,
  warp: Warp,
  fill: number,
  rng: Rng,
  channels = 1,
): void {
  const warps = drawWarps(count, warp, rng);
  if (warps) applyWarps(x, count, height, width, warps, fill, channels);
}
