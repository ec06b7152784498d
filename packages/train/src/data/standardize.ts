/**
 * The standardisation a feature-vector run trains with and bakes into its ONNX graph: each
 * feature's mean and standard deviation over the training rows, as float32 values (or, with
 * --no-standardize, mean 0 and std 1: the features as given).
 */
import type { Standardization } from '@aae-map/shared';

/**
 * A std this small next to its mean is float32 rounding of a constant feature, not spread
 * (float32 resolves about 1.2e-7 of a value): dividing by it would blow rounding noise up to ±1.
 */
const CONSTANT = 1e-6;

/** Mean and std (population) of each of `dim` features over `count` rows; std is 1 where a feature is constant. */
export function fitStandardization(values: Float32Array, count: number, dim: number): Standardization {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j]! += values[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= count;
  for (let i = 0; i < count; i++)
    for (let j = 0; j < dim; j++) {
      const d = values[i * dim + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  const std = Array.from(sq, (s, j) => {
    const sd = Math.fround(Math.sqrt(s / count));
    return sd === 0 || sd <= CONSTANT * Math.abs(mean[j]!) ? 1 : sd;
  });
  return { mean: Array.from(mean, Math.fround), std };
}

/** The identity: features used as given. */
export function noStandardization(dim: number): Standardization {
  return { mean: new Array<number>(dim).fill(0), std: new Array<number>(dim).fill(1) };
}

/**
 * The decoder output that can reach every training input: tanh when all of them lie in [-1, 1]
 * (as pixels do once scaled), else linear. Standardised features have unit variance, so they
 * reach beyond ±1 and get a linear output; features given already in [-1, 1] get tanh, which makes
 * a run on pixels scaled as images are scaled the image run exactly.
 */
export function decoderOutputFor(values: Float32Array, s: Standardization, dim: number): 'tanh' | 'linear' {
  for (let i = 0; i < values.length; i++) {
    const j = i % dim;
    if (Math.abs(Math.fround(values[i]! - s.mean[j]!) / s.std[j]!) > 1) return 'linear';
  }
  return 'tanh';
}
