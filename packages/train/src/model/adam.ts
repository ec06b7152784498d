/**
 * Adam (Kingma & Ba 2015) on Float32Arrays. Keeping the optimizer outside tfjs makes its slots
 * easy to checkpoint, and lets data-parallel workers each update a slice of the weights in
 * shared memory (with the SIMD kernel of simd-adam.ts where that memory is a SharedArena).
 */
import { FlatTensors, type TensorSpec } from '../kernels/flat-tensors.ts';
import { type AdamScalars, adamRange, foldRange, simdAdamRange } from '../kernels/simd-adam.ts';

export interface AdamConfig {
  /** @default 0.5 */
  beta1: number;
  /** @default 0.999 */
  beta2: number;
  /** @default 1e-8 */
  epsilon: number;
}

/**
 * The scalars of update number `t` at learning rate `lr`: p −= lr · m̂ / (√v̂ + ε) with
 * m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ), the bias corrections folded into two scalars.
 * The host kernels and the GPU one (webgpu-adam.ts) take the same ones.
 */
export function adamStepScalars(c: AdamConfig, lr: number, t: number): Omit<AdamScalars, 'wa' | 'wb'> {
  return { b1: c.beta1, b2: c.beta2, stepSize: lr / (1 - c.beta1 ** t), vScale: 1 / Math.sqrt(1 - c.beta2 ** t), eps: c.epsilon };
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
    /** The slots' memory (e.g. in a SharedArena, where the SIMD kernel can run); fresh memory when omitted. */
    slots?: { m: FlatTensors; v: FlatTensors },
  ) {
    this.m = slots?.m ?? new FlatTensors(specs);
    this.v = slots?.v ?? new FlatTensors(specs);
  }

  /**
   * Applies one update to `params` (which hold at least this optimizer's tensors). `range`
   * limits it to a slice [from, to) of the flat slot layout, so that two threads can split one
   * step; each must pass the same `t` (this.t + 1). The arithmetic is float32 in one fixed
   * order, so the result does not depend on the split or on whether the SIMD kernel ran.
   * Several sources are averaged with their weights (see foldToTwo).
   */
  step(params: FlatTensors, grads: GradientSources, lr: number, range?: { from: number; to: number }, t = this.t + 1): void {
    const sources = grads instanceof FlatTensors ? [{ grads, weight: 1 }] : grads;
    if (sources.length < 1) throw new Error('Adam needs at least one gradient source');
    const [a, b = { grads: sources[0]!.grads, weight: 0 }] = foldToTwo(sources, range ?? { from: 0, to: this.m.data.length });
    const s: AdamScalars = { wa: a!.weight, wb: b.weight, ...adamStepScalars(this.config, lr, t) };
    FlatTensors.forEachInRange(this.m.specs, range, (name, _shape, from, to) => {
      const args = [params.view(name), a!.grads.view(name), b.grads.view(name), this.m.view(name), this.v.view(name), from, to, s] as const;
      if (!simdAdamRange(...args)) adamRange(...args);
    });
    this.t = t;
  }
}

/**
 * The Adam kernel averages two gradient sources; more (from 3+ replicas) are first summed,
 * weighted, into the first source's buffer over `range` in a fixed order (((g0·w0 + g1·w1) + g2·w2)
 * …), so the result depends neither on how the update is split nor on the SIMD kernel.
 * That buffer is overwritten in the range.
 */
function foldToTwo(
  sources: Array<{ grads: FlatTensors; weight: number }>,
  range: { from: number; to: number },
): Array<{ grads: FlatTensors; weight: number }> {
  if (sources.length <= 2) return sources;
  const first = sources[0]!;
  let weight = first.weight;
  for (const s of sources.slice(1, -1)) {
    foldRange(first.grads.data, s.grads.data, range.from, range.to, weight, s.weight);
    weight = 1;
  }
  return [{ grads: first.grads, weight: 1 }, sources.at(-1)!];
}
