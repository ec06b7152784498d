/**
 * Adam (Kingma & Ba 2015) on plain Float32Arrays. Keeping the optimizer outside tfjs makes its
 * slots easy to checkpoint, and lets data-parallel workers each update a slice of the weights
 * in shared memory.
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

/** Gradients to apply: one set, or several (from data-parallel replicas) averaged with weights that sum to 1. */
export type GradientSources = FlatTensors | Array<{ grads: FlatTensors; weight: number }>;

/** One optimizer: moment slots for a fixed list of tensors, and its step count. */
export class Adam {
  readonly m: FlatTensors;
  readonly v: FlatTensors;
  /** Number of updates applied so far. */
  t = 0;

  constructor(
    specs: TensorSpec[],
    readonly config: AdamConfig,
    /** Backing memory for the slots (e.g. SharedArrayBuffers); fresh memory when omitted. */
    buffers?: { m: ArrayBufferLike; v: ArrayBufferLike },
  ) {
    this.m = new FlatTensors(specs, buffers?.m);
    this.v = new FlatTensors(specs, buffers?.v);
  }

  /**
   * Applies one update to `params` (which hold at least this optimizer's tensors). `range`
   * limits it to a slice [from, to) of the flat slot layout, so that two threads can split one
   * step; each must pass the same `t` (this.t + 1).
   */
  step(params: FlatTensors, grads: GradientSources, lr: number, range?: { from: number; to: number }, t = this.t + 1): void {
    const { beta1, beta2, epsilon } = this.config;
    const sources = grads instanceof FlatTensors ? [{ grads, weight: 1 }] : grads;
    if (sources.length < 1 || sources.length > 2) throw new Error(`Adam averages 1 or 2 gradient sources, got ${sources.length}`);
    // p -= lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ), folded into two scalars.
    const k: Kernel = { b1: beta1, b2: beta2, stepSize: lr / (1 - beta1 ** t), vScale: 1 / Math.sqrt(1 - beta2 ** t), eps: epsilon };
    let base = 0;
    for (const name of this.m.names) {
      const m = this.m.view(name);
      const from = Math.max(0, (range?.from ?? 0) - base);
      const to = Math.min(m.length, (range?.to ?? Infinity) - base);
      if (from < to) {
        const p = params.view(name);
        const v = this.v.view(name);
        const [a, b = { grads: a!.grads, weight: 0 }] = sources;
        adamKernel(p, a!.grads.view(name), a!.weight, b.grads.view(name), b.weight, m, v, from, to, k);
      }
      base += m.length;
    }
    this.t = t;
  }
}

interface Kernel {
  b1: number;
  b2: number;
  stepSize: number;
  vScale: number;
  eps: number;
}

/** g = wa·ga + wb·gb: one replica's gradients (wb = 0), or two replicas' averaged. */
function adamKernel(p: Float32Array, ga: Float32Array, wa: number, gb: Float32Array, wb: number, m: Float32Array, v: Float32Array, from: number, to: number, k: Kernel): void {
  const { b1, b2, stepSize, vScale, eps } = k;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = from; i < to; i++) {
    const gi = wa * ga[i]! + wb * gb[i]!;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) * vScale + eps);
  }
}
