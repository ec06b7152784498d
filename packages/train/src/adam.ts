/**
 * Adam (Kingma & Ba 2015) on plain Float32Arrays. Keeping the optimizer outside tfjs makes its
 * slots easy to checkpoint, and lets data-parallel workers each update a slice of the weights.
 */
import { FlatTensors, type TensorSpec } from './flat-tensors.ts';

export interface AdamConfig {
  /** @default 0.5 */
  beta1: number;
  /** @default 0.999 */
  beta2: number;
  /** @default 1e-8 */
  epsilon: number;
}

/** One optimizer: moment slots for a fixed list of tensors, and its step count. */
export class Adam {
  readonly m: FlatTensors;
  readonly v: FlatTensors;
  /** Number of updates applied so far. */
  t = 0;

  constructor(
    specs: TensorSpec[],
    readonly config: AdamConfig,
  ) {
    this.m = new FlatTensors(specs);
    this.v = new FlatTensors(specs);
  }

  /**
   * Applies one update to `params` from `grads` (both hold at least this optimizer's tensors).
   * `range` limits the update to a slice [from, to) of the flat slot layout, so that two
   * threads can split one step; each must pass the same `t` (this.t + 1).
   */
  step(params: FlatTensors, grads: FlatTensors, lr: number, range?: { from: number; to: number }, t = this.t + 1): void {
    const { beta1, beta2, epsilon } = this.config;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    // p -= lr · m̂ / (√v̂ + ε) with m̂ = m / bc1 and v̂ = v / bc2, rearranged to one scale per step.
    const stepSize = lr / bc1;
    const vScale = 1 / Math.sqrt(bc2);
    let base = 0;
    for (const name of this.m.names) {
      const m = this.m.view(name);
      const n = m.length;
      const from = Math.max(0, (range?.from ?? 0) - base);
      const to = Math.min(n, (range?.to ?? Infinity) - base);
      if (from < to) adamKernel(params.view(name), grads.view(name), m, this.v.view(name), from, to, beta1, beta2, stepSize, vScale, epsilon);
      base += n;
    }
    this.t = t;
  }
}

function adamKernel(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, from: number, to: number, b1: number, b2: number, stepSize: number, vScale: number, eps: number): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = from; i < to; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) * vScale + eps);
  }
}
