/**
 * Draws each iteration's batches and random samples from one seeded Rng, so a run is
 * reproducible and a resume at an epoch boundary continues the same stream.
 * An epoch is one pass over the unlabelled images in shuffled batches (the last partial batch
 * is dropped); labelled batches cycle through reshuffled passes over the labelled subset.
 */
import { type Architecture, inputValuesOf } from '@aae-map/shared';
import type * as tf from '@tensorflow/tfjs-core';
import { gatherNormalized, type ImageSplit, inputScaling } from '../data/dataset.ts';
import type { LabelledSplit } from '../data/labelled-split.ts';
import type { AnyBatch, IterationBatch } from '../model/phases.ts';
import type { Rng } from '../rng.ts';
import { applyWarps, drawWarps, type ImageWarps, NO_WARP, type Warp } from './augment.ts';
import type { Stepper } from './stepper.ts';

export class EpochSampler {
  readonly iterations: number;
  private readonly pixels: number;
  private unlabelledOrder = new Int32Array(0);
  private labelledOrder = new Int32Array(0);

  constructor(
    private readonly train: ImageSplit,
    private readonly split: LabelledSplit,
    private readonly arch: Architecture,
    readonly batch: number,
    /** σ of the Gaussian noise on discriminator inputs. */
    private readonly noiseStd: number,
    /** Each time an image is drawn it gets a random warp of up to this much (augment.ts). */
    private readonly warp: Warp = NO_WARP,
    /** Draw the random starts of the VAT directions (IterationBatch.vatDirection). */
    private readonly vat = false,
    /** Draw a second copy of each unlabelled image under its own warp of up to this much (IterationBatch.xU2); absent = none. */
    private readonly pairWarp?: Warp,
    /** Draw as each unlabelled image's second image (IterationBatch.xU2) one of its nearest images, under its own warp like any other draw. */
    private readonly neighbours?: NeighbourTable,
  ) {
    this.pixels = inputValuesOf(arch);
    this.iterations = Math.floor(split.unlabelled.length / batch);
  }

  /** Shuffles this epoch's order; call once at the start of each epoch. */
  startEpoch(rng: Rng): void {
    this.unlabelledOrder = rng.shuffle(this.split.unlabelled.slice());
    const need = this.iterations * this.batch;
    const labelled = this.split.labelled;
    this.labelledOrder = new Int32Array(labelled.length > 0 ? need : 0);
    for (let filled = 0; labelled.length > 0 && filled < need; filled += labelled.length) {
      const pass = rng.shuffle(labelled.slice());
      this.labelledOrder.set(pass.subarray(0, Math.min(pass.length, need - filled)), filled);
    }
  }

  /**
   * Everything random in iteration `i` of the current epoch, drawn from `rng` in a fixed order
   * (prior samples and noise, the unlabelled images' warps, the VAT directions, the labelled
   * images' warps), with the images' indices but not their pixels: the host (hostBatch) and the
   * GPU (GpuImages) gather and warp those from the same draws.
   */
  draw(i: number, rng: Rng): BatchDraw {
    const B = this.batch;
    const { clusters: n, styleDim: d } = this.arch;
    const at = (order: Int32Array) => order.subarray(i * B, (i + 1) * B);
    const noise = (width: number) => rng.fillNormal(new Float32Array(B * width), this.noiseStd);
    const draw: BatchDraw = {
      size: B,
      indicesU: at(this.unlabelledOrder),
      priorY: Int32Array.from({ length: B }, () => rng.int(n)),
      priorZ: rng.fillNormal(new Float32Array(B * d)),
      noiseRealY: noise(n),
      noiseFakeY: noise(n),
      noiseRealZ: noise(d),
      noiseFakeZ: noise(d),
      noiseGenY: noise(n),
      noiseGenZ: noise(d),
    };
    draw.warpsU = drawWarps(B, this.warp, rng);
    if (this.vat) draw.vatDirection = rng.fillNormal(new Float32Array(B * this.pixels));
    if (this.labelledOrder.length > 0) {
      draw.indicesL = at(this.labelledOrder);
      draw.warpsL = drawWarps(B, this.warp, rng);
      draw.labels = Int32Array.from(draw.indicesL, (k) => this.train.labels[k]!);
    }
    // Drawn last, so that everything else in the iteration is what it is without it.
    if (this.pairWarp) draw.warpsU2 = drawWarps(B, this.pairWarp, rng);
    if (this.neighbours) {
      const { table, k } = this.neighbours;
      draw.indicesU2 = Int32Array.from(draw.indicesU, (i) => table[i * k + rng.int(k)]!);
      draw.warpsU2 = drawWarps(B, this.warp, rng);
    }
    return draw;
  }

  /** The images of `draw` gathered, normalised and warped on the host. */
  hostBatch(draw: BatchDraw): IterationBatch {
    const { inputHeight, inputWidth, channels, normalization } = this.arch;
    return withImages(draw, (indices, warps) => {
      const x = gatherNormalized(this.train, indices, this.pixels, inputScaling(this.arch));
      if (warps) applyWarps(x, draw.size, inputHeight, inputWidth, warps, normalization.offset, channels);
      return x;
    });
  }

  /** The batch for iteration `i` of the current epoch, on the host; draws its random numbers from `rng`. */
  next(i: number, rng: Rng): IterationBatch {
    return this.hostBatch(this.draw(i, rng));
  }

  /** The same, its images gathered by `stepper` where it can (GpuStepper: on the GPU), else on the host. */
  nextFor(stepper: Pick<Stepper, 'gather'>, i: number, rng: Rng): AnyBatch {
    return this.batchFor(stepper, this.draw(i, rng));
  }

  /** `draw`'s images gathered by `stepper` where it can (GpuStepper: on the GPU), else on the host. */
  batchFor(stepper: Pick<Stepper, 'gather'>, draw: BatchDraw): AnyBatch {
    return stepper.gather?.(draw) ?? this.hostBatch(draw);
  }
}

/**
 * An iteration's random draws and image indices (EpochSampler.draw): an IterationBatch without
 * the images' pixels.
 */
export interface BatchDraw extends Omit<IterationBatch, 'xU' | 'xL' | 'xU2'> {
  /** [size] rows of the training split: the unlabelled images, and the labelled ones when training with labels. */
  indicesU: Int32Array;
  indicesL?: Int32Array;
  /** Each image's warp; absent without augmentation. */
  warpsU?: ImageWarps;
  warpsL?: ImageWarps;
  /** The second image's rows (only with `neighbours`; else the second image is a copy of the first). */
  indicesU2?: Int32Array;
  /** The second image's warps (with `invariance` or `neighbours`). */
  warpsU2?: ImageWarps;
}

/** The k nearest images of each training image, [count, k] rows of the training split (pixelNeighbours). */
export interface NeighbourTable {
  table: Int32Array;
  k: number;
}

/**
 * `draw` as a batch, its images made by `images` (on the host or the GPU) from each set's indices
 * and warps: the unlabelled images, the labelled ones, and the unlabelled ones' second images.
 */
export function withImages<X extends Float32Array | tf.Tensor2D>(
  draw: BatchDraw,
  images: (indices: Int32Array, warps?: ImageWarps) => X,
): IterationBatch<X> {
  const { indicesU, indicesL, indicesU2, warpsU, warpsL, warpsU2, ...rest } = draw;
  const batch: IterationBatch<X> = { ...rest, xU: images(indicesU, warpsU) };
  if (indicesL) batch.xL = images(indicesL, warpsL);
  if (warpsU2 || indicesU2) batch.xU2 = images(indicesU2 ?? indicesU, warpsU2);
  return batch;
}

/** `b` as a host batch, for the steppers that train on host arrays (GPU batches come only from GpuStepper.gather). */
export function onHost(b: AnyBatch): IterationBatch {
  if (!(b.xU instanceof Float32Array)) throw new Error('this stepper trains on host batches; only GpuStepper takes GPU batches');
  return b as IterationBatch;
}

/** Copies of rows [from, to) of every per-example array: one replica's share of a batch. */
export function sliceBatch(b: IterationBatch, from: number, to: number): IterationBatch {
  // slice, not subarray: posting a view to a worker would copy its whole underlying buffer.
  const cut = <T extends Float32Array | Int32Array>(a: T): T => {
    const w = a.length / b.size;
    return a.slice(from * w, to * w) as T;
  };
  return {
    size: to - from,
    xU: cut(b.xU),
    xL: b.xL && cut(b.xL),
    labels: b.labels && cut(b.labels),
    priorY: cut(b.priorY),
    priorZ: cut(b.priorZ),
    noiseRealY: cut(b.noiseRealY),
    noiseFakeY: cut(b.noiseFakeY),
    noiseRealZ: cut(b.noiseRealZ),
    noiseFakeZ: cut(b.noiseFakeZ),
    noiseGenY: cut(b.noiseGenY),
    noiseGenZ: cut(b.noiseGenZ),
    vatDirection: b.vatDirection && cut(b.vatDirection),
    xU2: b.xU2 && cut(b.xU2),
  };
}
