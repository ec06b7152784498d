/**
 * A training batch gathered and warped on the GPU, in one WGSL dispatch: each output value picks
 * its image by index from the training set (uint8 pixels packed four to an int32, resident on the
 * GPU), maps its position through that image's warp and samples bilinearly, each pixel normalised
 * through a 256-entry table (the host's own values, so an unwarped gather is exact). Same
 * arithmetic as warpImage (augment.ts) in float32 where the host uses float64; pixels from
 * outside the image are `fill`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireWebgpuView, type WgslProgram } from './webgpu-internals.ts';

const WORKGROUP = 128;

/** Floats per image in the warp tensor: cos/scale, sin/scale, dy, dx (warpMatrix and the shift). */
export const WARP_FLOATS = 4;

class GatherWarpProgram implements WgslProgram {
  readonly variableNames = ['X', 'Lut', 'Idx', 'Warp'];
  // tfjs extends the key on each run, so every dispatch takes a fresh program object.
  shaderKey = 'aae_gather_warp';
  readonly dispatchLayout = { x: [0, 1] };
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly uniforms = 'height : i32, width : i32, channels : i32, fill : f32,';
  readonly dispatch: [number, number, number];

  // [B, pixels], dispatched flat: `index` runs over all B·pixels values.
  constructor(readonly outputShape: [number, number]) {
    this.dispatch = [Math.ceil((outputShape[0] * outputShape[1]) / WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return `
      fn aaeSample(image : i32, r : i32, c : i32, ch : i32) -> f32 {
        if (r < 0 || r >= uniforms.height || c < 0 || c >= uniforms.width) {
          return uniforms.fill;
        }
        let at = image + (r * uniforms.width + c) * uniforms.channels + ch;
        return Lut[(X[at / 4] >> u32((at % 4) * 8)) & 255];
      }

      fn main(index : i32) {
        if (index < uniforms.size) {
          let px = uniforms.height * uniforms.width * uniforms.channels;
          let k = index / px;
          let q = index - k * px;
          let ch = q % uniforms.channels;
          let r = q / uniforms.channels / uniforms.width;
          let c = q / uniforms.channels - r * uniforms.width;
          let image = Idx[k] * px;
          let cosS = Warp[k * 4];
          let sinS = Warp[k * 4 + 1];
          let cy = f32(uniforms.height - 1) / 2.0;
          let cx = f32(uniforms.width - 1) / 2.0;
          let u = f32(r) - cy - Warp[k * 4 + 2];
          let v = f32(c) - cx - Warp[k * 4 + 3];
          let sr = cosS * u - sinS * v + cy;
          let sc = sinS * u + cosS * v + cx;
          let r0 = i32(floor(sr));
          let c0 = i32(floor(sc));
          let fr = sr - floor(sr);
          let fc = sc - floor(sc);
          let top = aaeSample(image, r0, c0, ch) * (1.0 - fc) + aaeSample(image, r0, c0 + 1, ch) * fc;
          let bottom = aaeSample(image, r0 + 1, c0, ch) * (1.0 - fc) + aaeSample(image, r0 + 1, c0 + 1, ch) * fc;
          result[index] = top * (1.0 - fr) + bottom * fr;
        }
      }`;
  }
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * Records the gather: `images` (int32, the packed uint8 pixels of whole images of `shape`),
 * `lut` (float32 [256]), `indices` (int32 [B]) and `warps` (float32 [B, WARP_FLOATS]) in; the
 * batch [B, pixels] out, a new tensor. Reads nothing back.
 */
export function gatherWarped(
  images: tf.Tensor,
  lut: tf.Tensor,
  indices: tf.Tensor,
  warps: tf.Tensor,
  shape: ImageShape,
  fill: number,
): tf.Tensor2D {
  const B = indices.size;
  const pixels = shape.height * shape.width * shape.channels;
  return requireWebgpuView(tf.backend()).run(
    new GatherWarpProgram([B, pixels]),
    [images, lut, indices, warps],
    [...[shape.height, shape.width, shape.channels].map((x) => ({ type: 'int32' as const, data: [x] })), { type: 'float32', data: [fill] }],
  ) as tf.Tensor2D;
}
