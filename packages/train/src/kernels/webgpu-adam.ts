/**
 * The Adam update as one WGSL dispatch per weight tensor, in place on the GPU. Each weight's
 * GPU buffer holds the weight followed by the moment pairs of every phase that trains it
 * ([p | m₁ | v₁ | m₂ | v₂ …], see GpuWeights), so one program, bound to that buffer as its
 * output, updates the weight and the phase's two moments together without a copy.
 * Same arithmetic as adamRange (simd-adam.ts), with one gradient source; WGSL's sqrt and
 * division are not correctly rounded, so results agree within a few ulps, not bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamScalars } from './simd-adam.ts';
import { requireWebgpuView, type WgslProgram } from './webgpu-internals.ts';

const WORKGROUP = 128;

class AdamProgram implements WgslProgram {
  readonly variableNames = ['G'];
  // tfjs extends the key on each run, so every dispatch takes a fresh program object.
  shaderKey = 'aae_adam_inplace';
  readonly dispatchLayout = { x: [0] };
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly uniforms = 'b1 : f32, b2 : f32, stepSize : f32, vScale : f32, eps : f32, slot : i32,';
  readonly dispatch: [number, number, number];

  constructor(readonly outputShape: [number]) {
    this.dispatch = [Math.ceil(outputShape[0] / WORKGROUP), 1, 1];
  }

  // `result` is the whole packed buffer: the weight at [0, size), this phase's m at [slot, slot + size) and v after it.
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let g = G[index];
          let mi = uniforms.slot + index;
          let vi = mi + uniforms.size;
          let m = uniforms.b1 * result[mi] + (1.0 - uniforms.b1) * g;
          let v = uniforms.b2 * result[vi] + (1.0 - uniforms.b2) * (g * g);
          result[mi] = m;
          result[vi] = v;
          result[index] = result[index] - (uniforms.stepSize * m) / (sqrt(v) * uniforms.vScale + uniforms.eps);
        }
      }`;
  }
}

/**
 * Applies one Adam update to `weight` (a tensor whose buffer is packed as above) from `grad`,
 * with the moments at float offset `slot` of the buffer. Records the dispatch; reads nothing back.
 */
export function adamInPlace(weight: tf.Tensor, grad: tf.Tensor, slot: number, s: Omit<AdamScalars, 'wa' | 'wb'>): void {
  const n = weight.size;
  if (grad.size !== n) throw new Error(`adamInPlace: gradient of ${grad.size} values for a weight of ${n}`);
  const flat = (t: tf.Tensor): tf.TensorInfo => ({ dataId: t.dataId, shape: [n], dtype: 'float32' });
  // One entry per scalar field of the uniform struct (an entry of several values is a vector).
  const f32 = (x: number) => ({ type: 'float32' as const, data: [x] });
  requireWebgpuView(tf.backend()).runInPlace(new AdamProgram([n]), [flat(grad)], flat(weight), [
    ...[s.b1, s.b2, s.stepSize, s.vScale, s.eps].map(f32),
    { type: 'int32', data: [slot] },
  ]);
}
