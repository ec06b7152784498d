/**
 * Contract 1 (see docs/model-format.md): the checkpoint directory that `train` writes and `export` reads.
 * Pure TypeScript, no tfjs, so that the exporter and tests can read it on their own.
 */
import type { InputKind } from './model-metadata.ts';

export const CHECKPOINT_FORMAT = 'aae-map-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** How raw pixels become encoder input: x = pixel * scale + offset (pixel in 0..255). */
export interface Normalization {
  /** @default 1/127.5 */
  scale: number;
  /** @default -1 */
  offset: number;
}

/**
 * How feature vectors become encoder input: x_j = (v_j − mean_j) / std_j, with the training set's
 * mean and standard deviation of each feature (float32 values); std_j is 1 where feature j is
 * constant, so it becomes 0 rather than a division by zero.
 */
export interface Standardization {
  mean: number[];
  std: number[];
}

export interface Architecture {
  /** What the encoder takes. Checkpoints written before feature vectors have none: 'image'. */
  inputKind?: InputKind;
  /** Images: H and W. Feature vectors: 1 and D (a vector is one row of D values). */
  inputHeight: number;
  inputWidth: number;
  /** 1: gray images [H, W]; 3: RGB [H, W, 3], interleaved; 1 for feature vectors. The encoder takes and the decoder makes H·W·channels values. */
  channels: number;
  /** Hidden layer sizes of encoder, decoder and discriminators, e.g. [1000, 1000]. */
  hidden: number[];
  /** n: number of clusters (size of the softmax `y`). */
  clusters: number;
  /** d: size of the style vector `z` and of the representation. */
  styleDim: number;
  /** 'nd': W_c = headScale * I, fixed (d = n). '2d': W_c (n x 2) learned, d = 2. */
  mode: 'nd' | '2d';
  /** Scale of W_c in n-D mode. @default 10 */
  headScale: number;
  /** Images: how pixels are scaled. */
  normalization: Normalization;
  /** Feature vectors: how they are standardised (normalization is then the identity). */
  standardization?: Standardization;
  /**
   * The decoder's output activation: tanh where every training input lies in [-1, 1] (pixels, and
   * feature vectors scaled so), else linear. Checkpoints written before feature vectors have none: tanh.
   */
  decoderOutput?: 'tanh' | 'linear';
}

/** The values of one encoder input: H·W·C pixels, or D features. */
export const inputValuesOf = (a: Architecture): number => a.inputHeight * a.inputWidth * a.channels;

/** One tensor in a .bin file: `offset` is in bytes, data is float32 little-endian, row-major. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
}

export interface Manifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  architecture: Architecture;
  /** P, d x 2, row-major rows: point = representation · P. */
  projection: number[][];
  /** The cluster heads W_c·e_k mapped to 2-D: n x 2. */
  heads2d: number[][];
  classNames: string[];
  dataset: string;
  /** Number of labelled training images used (0 = unsupervised). */
  labels: number;
  /** Completed epochs. */
  epochs: number;
  seed: number;
  backend: string;
  createdAt: string;
  /** Entries of weights.bin. Names are listed in MODEL_WEIGHT_NAMES' order. */
  weights: WeightEntry[];
}

/**
 * Weight names and shapes. Dense kernels are [in, out] (y = x·W + b).
 * `heads` is W_c (n x d): fixed 10·I in n-D mode, learned in 2-D mode.
 */
export function modelWeightShapes(a: Architecture): Array<[string, number[]]> {
  const pixels = inputValuesOf(a);
  const out: Array<[string, number[]]> = [];
  const mlp = (prefix: string, inputs: number) => {
    let prev = inputs;
    a.hidden.forEach((h, i) => {
      out.push([`${prefix}/dense${i}/kernel`, [prev, h]], [`${prefix}/dense${i}/bias`, [h]]);
      prev = h;
    });
    return prev;
  };
  const last = mlp('encoder', pixels);
  out.push(['encoder/y/kernel', [last, a.clusters]], ['encoder/y/bias', [a.clusters]]);
  out.push(['encoder/z/kernel', [last, a.styleDim]], ['encoder/z/bias', [a.styleDim]]);
  out.push(['heads', [a.clusters, a.styleDim]]);
  const dec = mlp('decoder', a.styleDim);
  out.push(['decoder/out/kernel', [dec, pixels]], ['decoder/out/bias', [pixels]]);
  for (const [name, inputs] of [
    ['disc_y', a.clusters],
    ['disc_z', a.styleDim],
  ] as const) {
    const h = mlp(name, inputs);
    out.push([`${name}/out/kernel`, [h, 2]], [`${name}/out/bias`, [2]]);
  }
  return out;
}

/** The weights `export` needs: encoder and heads. */
export function encoderWeightNames(a: Architecture): string[] {
  return modelWeightShapes(a)
    .map(([n]) => n)
    .filter((n) => n.startsWith('encoder/') || n === 'heads');
}

export const size = (shape: number[]): number => shape.reduce((p, s) => p * s, 1);
