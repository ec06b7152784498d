/** Per-epoch numbers: averaged phase losses and discriminator confidences, plus evaluation. */

import type { IterationReport } from '../step/stepper.ts';
import type { EpochEvaluation } from './epoch-eval.ts';

export interface EpochMetrics {
  epoch: number;
  /** Iterations completed over the whole run. */
  step: number;
  /** Learning rate at the epoch's last iteration. */
  lr: number;
  /** Mean losses over the epoch's iterations. */
  loss: {
    reconstruction: number;
    discriminator: number;
    generator: number;
    supervised: number | null;
    headPenalty: number | null;
    /** KL(mean y ‖ uniform) of the batches, with --balance. */
    imbalance: number | null;
    /** Mean entropy of y over the batches, with --confidence. */
    entropy: number | null;
    /** Mutual information between y on the two warps of each image, with --invariance. */
    mutualInformation: number | null;
    /** UMAP's loss between each image's representation and its neighbour's, with --neighbours. */
    neighbours: number | null;
    /** SCAN's −mean log ⟨y, y′⟩ between each image and its neighbour, with --agreement. */
    disagreement: number | null;
  };
  /** Mean probability each discriminator gives the right class, on prior samples (real) and encoder outputs (fake). */
  discConfidence: { realY: number; fakeY: number; realZ: number; fakeZ: number };
  labelledAccuracy: number | null;
  testAccuracy: number | null;
  testError: number | null;
  /** Error on the images held out by --validation (null without them). */
  validationError: number | null;
  accuracyMapping: 'argmax' | 'majority';
  /** Wall time of the epoch (training and evaluation). */
  seconds: number;
  /** Wall time of the epoch's training iterations alone. */
  trainSeconds: number;
  samplesPerSecond: number;
  backend: string;
  time: string;
}

/** Running sums of iteration reports. */
export class EpochAccumulator {
  private readonly sums = new Map<string, number>();
  private readonly counts = new Map<string, number>();

  add(report: IterationReport): void {
    for (const [phase, r] of Object.entries(report)) {
      const n = r.iterations ?? 1;
      this.push(`loss.${phase}`, r.loss, n);
      for (const [k, v] of Object.entries(r.stats)) this.push(k, v, n);
    }
  }

  /** Adds the mean `v` of `n` iterations. */
  private push(key: string, v: number, n: number): void {
    this.sums.set(key, (this.sums.get(key) ?? 0) + v * n);
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  mean(key: string): number | null {
    const c = this.counts.get(key);
    return c ? this.sums.get(key)! / c : null;
  }

  /** Short running summary for the progress bar. */
  brief(): string {
    // '-' until the first report (the GPU stepper reports every REPORT_EVERY iterations).
    const f = (k: string) => this.mean(k)?.toFixed(3) ?? '-';
    return `mse ${f('mse')} D ${f('loss.discriminator')} G ${f('loss.generator')}`;
  }

  metrics(
    base: { epoch: number; step: number; lr: number; seconds: number; trainSeconds: number; samples: number; backend: string },
    ev: EpochEvaluation,
  ): EpochMetrics {
    const m = (k: string) => this.mean(k) ?? NaN;
    return {
      epoch: base.epoch,
      step: base.step,
      lr: base.lr,
      loss: {
        reconstruction: m('mse'),
        discriminator: m('loss.discriminator'),
        generator: m('loss.generator'),
        supervised: this.mean('loss.supervised'),
        headPenalty: this.mean('headPenalty'),
        imbalance: this.mean('imbalance'),
        entropy: this.mean('entropy'),
        mutualInformation: this.mean('mutualInformation'),
        neighbours: this.mean('neighbourLoss'),
        disagreement: this.mean('disagreement'),
      },
      discConfidence: { realY: m('confRealY'), fakeY: m('confFakeY'), realZ: m('confRealZ'), fakeZ: m('confFakeZ') },
      labelledAccuracy: ev.labelledAccuracy,
      testAccuracy: ev.testAccuracy,
      testError: ev.testAccuracy === null ? null : 1 - ev.testAccuracy,
      validationError: ev.validationAccuracy === null ? null : 1 - ev.validationAccuracy,
      accuracyMapping: ev.accuracyMapping,
      seconds: base.seconds,
      trainSeconds: base.trainSeconds,
      samplesPerSecond: base.samples / base.trainSeconds,
      backend: base.backend,
      time: new Date().toISOString(),
    };
  }
}

const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(2)}%`);

/** One terminal line per epoch. */
export function formatEpoch(m: EpochMetrics, epochs: number): string {
  const c = m.discConfidence;
  return (
    `epoch ${m.epoch}/${epochs}: mse ${m.loss.reconstruction.toFixed(4)} D ${m.loss.discriminator.toFixed(3)} G ${m.loss.generator.toFixed(3)}` +
    (m.loss.supervised === null ? '' : ` sup ${m.loss.supervised.toFixed(3)}`) +
    (m.loss.headPenalty === null ? '' : ` heads ${m.loss.headPenalty.toFixed(3)}`) +
    (m.loss.imbalance === null ? '' : ` imbalance ${m.loss.imbalance.toFixed(3)}`) +
    (m.loss.entropy === null ? '' : ` entropy ${m.loss.entropy.toFixed(3)}`) +
    (m.loss.mutualInformation === null ? '' : ` MI ${m.loss.mutualInformation.toFixed(3)}`) +
    (m.loss.neighbours === null ? '' : ` near ${m.loss.neighbours.toFixed(3)}`) +
    (m.loss.disagreement === null ? '' : ` disagree ${m.loss.disagreement.toFixed(3)}`) +
    ` | D_y real ${c.realY.toFixed(2)} fake ${c.fakeY.toFixed(2)}, D_z real ${c.realZ.toFixed(2)} fake ${c.fakeZ.toFixed(2)}` +
    ` | labelled acc ${pct(m.labelledAccuracy)} test acc ${pct(m.testAccuracy)} (error ${pct(m.testError)})` +
    (m.validationError === null ? '' : ` validation error ${pct(m.validationError)}`) +
    ` | lr ${m.lr.toExponential(2)} ${m.seconds.toFixed(1)} s`
  );
}
