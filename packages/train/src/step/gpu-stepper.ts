/**
 * The training step on the webgpu backend, resident on the GPU: weights and Adam moments stay
 * there for the whole run (GpuWeights), each phase's gradients go straight into a fused Adam
 * dispatch per weight, and nothing is read back inside an iteration. Losses and stats are summed
 * on the GPU and read asynchronously every REPORT_EVERY iterations; weights and moments come back
 * to the host only in settle (before the epoch's evaluation and checkpoint).
 * The training images are resident too (GpuImages): gather turns the sampler's draws (indices,
 * warp parameters, prior samples, noise, VAT directions; all still drawn on the host, from the
 * run's one random stream) into a batch gathered and warped on the GPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSplit } from '../data/dataset.ts';
import { type AnyBatch, clearCarry, type Phase, type PhaseCarry, type PhaseSettings, runPhase } from '../model/phases.ts';
import type { BatchDraw } from './batch-sampler.ts';
import { type GpuBatch, GpuImages } from './gpu-images.ts';
import { GpuWeights } from './gpu-weights.ts';
import { type IterationReport, phasesFor, type Stepper, type TrainingState } from './stepper.ts';

/**
 * Iterations between reads of the summed losses. A read started at one report is collected at
 * the next, so the host waits only when the GPU is that far behind, and never runs more than twice
 * that far ahead of it.
 */
export const REPORT_EVERY = 50;

/** One phase's losses and stats, summed over `count` iterations: [loss, ...stats in `keys` order]. */
interface Sums {
  keys: string[];
  sum: tf.Tensor1D;
  count: number;
}

export class GpuStepper implements Stepper {
  readonly weights: GpuWeights;
  /** The training images on the GPU, when given and the GPU can gather them. */
  readonly images?: GpuImages;
  private readonly carry: PhaseCarry = {};
  private sums: Partial<Record<Phase, Sums>> = {};
  private summed = 0;
  private reading?: Promise<IterationReport>;

  constructor(
    private readonly state: TrainingState,
    private readonly settings: PhaseSettings,
    /** Iterations between reports (REPORT_EVERY; tests use fewer). */
    private readonly reportEvery = REPORT_EVERY,
    /** The split the sampler draws from, uploaded once for gather. */
    train?: ImageSplit,
  ) {
    this.weights = new GpuWeights(state);
    this.images = train && GpuImages.upload(train, settings.arch);
  }

  /** `draw`'s batch gathered and warped on the GPU; undefined when the images are not there (the host gathers them). */
  gather(draw: BatchDraw): GpuBatch | undefined {
    return this.images?.batch(draw);
  }

  /**
   * Records the iteration's work; returns the iterations summed up to the previous report, when one is due.
   * A batch from gather is used up: its images are freed.
   */
  async step(batch: AnyBatch, lr: number): Promise<IterationReport> {
    for (const phase of phasesFor(batch)) this.phase(phase, batch, lr);
    if (!(batch.xU instanceof Float32Array)) tf.dispose([batch.xU, batch.xL, batch.xU2].filter((x) => x !== undefined));
    if (++this.summed < this.reportEvery) return {};
    const due = this.reading;
    this.reading = this.startRead();
    return (await due) ?? {};
  }

  private phase(phase: Phase, batch: AnyBatch, lr: number): void {
    const names = this.state.phaseSpecs[phase].map(([n]) => n);
    const out = tf.tidy(() => {
      const o = runPhase(phase, this.weights.tensors, batch, names, this.settings, this.carry);
      const keys = Object.keys(o.stats);
      const scalars = tf.stack([o.loss, ...keys.map((k) => o.stats[k]!)]) as tf.Tensor1D;
      tf.dispose(Object.values(o.stats)); // kept ones outlive the tidy otherwise
      return { grads: o.grads, scalars, keys };
    });
    const optimizer = this.state.optimizers[phase];
    optimizer.t += 1;
    this.weights.adam(phase, names, out.grads, lr, optimizer.t);
    tf.dispose(out.grads);
    const prior = this.sums[phase];
    this.sums[phase] = { keys: out.keys, sum: prior ? tf.add(prior.sum, out.scalars) : out.scalars, count: (prior?.count ?? 0) + 1 };
    if (prior) tf.dispose([prior.sum, out.scalars]);
  }

  /** Starts reading the sums so far, all phases in one read; undefined when there are none. */
  private startRead(): Promise<IterationReport> | undefined {
    const sums = Object.entries(this.sums) as Array<[Phase, Sums]>;
    this.sums = {};
    this.summed = 0;
    if (sums.length === 0) return undefined;
    const all = tf.concat(sums.map(([, s]) => s.sum));
    tf.dispose(sums.map(([, s]) => s.sum));
    return all
      .data()
      .finally(() => all.dispose())
      .then((values) => {
        let at = 0;
        const report: IterationReport = {};
        for (const [phase, s] of sums) {
          const mean = (i: number) => values[at + i]! / s.count;
          report[phase] = { loss: mean(0), stats: Object.fromEntries(s.keys.map((k, i) => [k, mean(i + 1)])), iterations: s.count };
          at += s.keys.length + 1;
        }
        return report;
      });
  }

  /** Waits for the GPU, returns the reports not yet returned, and copies weights and moments into the TrainingState. */
  async settle(): Promise<IterationReport[]> {
    const reports = [this.reading, this.startRead()];
    this.reading = undefined;
    await this.weights.download();
    return (await Promise.all(reports)).filter((r) => r !== undefined);
  }

  async sync(): Promise<void> {
    this.weights.upload();
  }

  async dispose(): Promise<void> {
    await this.reading;
    for (const s of Object.values(this.sums)) s.sum.dispose();
    clearCarry(this.carry);
    this.weights.dispose();
    this.images?.dispose();
  }
}
