/**
 * The training images resident on the GPU for a whole run, and the batches gathered from them
 * there (webgpu-batch.ts): uploaded once as uint8 pixels packed four to an int32, so that an
 * iteration sends only its indices and each image's four warp numbers instead of float32 images.
 * The random numbers stay the host's (EpochSampler.draw), so a seed gives the same batches as
 * on the host, within float32 rounding of the warp.
 */
import { type Architecture, inputValuesOf } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { type ImageSplit, pixelTable } from '../data/dataset.ts';
import { gatherWarped, WARP_FLOATS } from '../kernels/webgpu-batch.ts';
import { requireWebgpuView } from '../kernels/webgpu-internals.ts';
import type { IterationBatch } from '../model/phases.ts';
import { type ImageWarps, warpMatrix } from './augment.ts';
import { type BatchDraw, withImages } from './batch-sampler.ts';

/** A batch whose images are GPU tensors; GpuStepper.step frees them. */
export type GpuBatch = IterationBatch<tf.Tensor2D>;

/** The per-image numbers the GPU's warp takes: [cos/scale, sin/scale, dy, dx] per image. */
export function warpFloats(warps: ImageWarps): Float32Array {
  const out = new Float32Array(warps.params.length * WARP_FLOATS);
  warps.params.forEach((p, k) => {
    const { cos, sin } = warpMatrix(p);
    out.set([cos, sin, p.dy, p.dx], k * WARP_FLOATS);
  });
  return out;
}

export class GpuImages {
  /** Per batch size, the warp of unaugmented images (the identity), uploaded once. */
  private readonly identity = new Map<number, tf.Tensor>();

  private constructor(
    private readonly images: tf.Tensor,
    private readonly lut: tf.Tensor,
    private readonly arch: Architecture,
  ) {}

  /**
   * The split's images on the GPU; undefined where only the host can gather them: feature vectors
   * (float32, standardised per value) and image sets larger than one GPU binding.
   */
  static upload(train: ImageSplit, arch: Architecture): GpuImages | undefined {
    if (!(train.pixels instanceof Uint8Array) || arch.standardization) return undefined;
    const src = train.pixels.subarray(0, train.count * inputValuesOf(arch));
    const gpu = requireWebgpuView(tf.backend());
    const padded = Math.ceil(src.length / 4) * 4;
    if (padded > gpu.maxBindingBytes) return undefined;
    const bytes = new Uint8Array(padded);
    bytes.set(src);
    const words = new Int32Array(bytes.buffer);
    const images = tf.tensor({ buffer: gpu.bufferWith(words), zeroCopy: true }, [words.length], 'int32');
    return new GpuImages(images, tf.tensor1d(pixelTable(arch.normalization)), arch);
  }

  /** `draw`'s images gathered, normalised and warped on the GPU; uploads only indices and warps. */
  batch(draw: BatchDraw): GpuBatch {
    return withImages(draw, (indices, warps) => this.gather(indices, warps));
  }

  private gather(indices: Int32Array, warps?: ImageWarps): tf.Tensor2D {
    const { inputHeight: height, inputWidth: width, channels, normalization } = this.arch;
    const idx = tf.tensor1d(indices, 'int32');
    const w = warps ? tf.tensor1d(warpFloats(warps)) : this.identityFor(indices.length);
    const x = gatherWarped(this.images, this.lut, idx, w, { height, width, channels }, normalization.offset);
    tf.dispose(warps ? [idx, w] : idx);
    return x;
  }

  private identityFor(size: number): tf.Tensor {
    let t = this.identity.get(size);
    if (!t) {
      t = tf.tensor1d(warpFloats({ integer: true, params: Array.from({ length: size }, () => ({ angle: 0, scale: 1, dy: 0, dx: 0 })) }));
      this.identity.set(size, t);
    }
    return t;
  }

  dispose(): void {
    tf.dispose([this.images, this.lut, ...this.identity.values()]);
  }
}
