/**
 * Draws each iteration's batches and random samples from one seeded Rng, so a run is
 * reproducible and a resume at an epoch boundary continues the same stream.
 * An epoch is one pass over the unlabelled images in shuffled batches (the last partial batch
 * is dropped); labelled batches cycle through reshuffled passes over the labelled subset.
 */
import { type Architecture, inputValuesOf } from '@aae-map/shared';
import { gatherNormalized, type ImageSplit, inputScaling } from '../data/dataset.ts';
import type { LabelledSplit } from '../data/labelled-split.ts';
import type { IterationBatch } from '../model/phases.ts';
import type { Rng } from '../rng.ts';
import { augmentImages, NO_WARP, type Warp } from './augment.ts';

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

  /** The batch for iteration `i` of the current epoch; draws its prior samples and noise from `rng`. */
  next(i: number, rng: Rng): IterationBatch {
    const B = this.batch;
    const { clusters: n, styleDim: d, normalization } = this.arch;
    const at = (order: Int32Array) => order.subarray(i * B, (i + 1) * B);
    const noise = (width: number) => rng.fillNormal(new Float32Array(B * width), this.noiseStd);
    const gather = (order: Int32Array) => gatherNormalized(this.train, at(order), this.pixels, inputScaling(this.arch));
    const batch: IterationBatch = {
      size: B,
      xU: gather(this.unlabelledOrder),
      priorY: Int32Array.from({ length: B }, () => rng.int(n)),
      priorZ: rng.fillNormal(new Float32Array(B * d)),
      noiseRealY: noise(n),
      noiseFakeY: noise(n),
      noiseRealZ: noise(d),
      noiseFakeZ: noise(d),
      noiseGenY: noise(n),
      noiseGenZ: noise(d),
    };
    const augment = (x: Float32Array) =>
      augmentImages(x, B, this.arch.inputHeight, this.arch.inputWidth, this.warp, normalization.offset, rng, this.arch.channels);
    augment(batch.xU);
    if (this.vat) batch.vatDirection = rng.fillNormal(new Float32Array(B * this.pixels));
    if (this.labelledOrder.length > 0) {
      const idx = at(this.labelledOrder);
      batch.xL = gather(this.labelledOrder);
      augment(batch.xL);
      batch.labels = Int32Array.from(idx, (k) => this.train.labels[k]!);
    }
    // Drawn last, so that everything else in the iteration is what it is without it.
    if (this.pairWarp) {
      batch.xU2 = gather(this.unlabelledOrder);
      augmentImages(
        batch.xU2,
        B,
        this.arch.inputHeight,
        this.arch.inputWidth,
        this.pairWarp,
        normalization.offset,
        rng,
        this.arch.channels,
      );
    }
    return batch;
  }
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
