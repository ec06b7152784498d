/**
 * Runs one training iteration: the four phases in order, each followed by its Adam update.
 * Weights live in a FlatTensors (the master copy); replicas mirror them in tfjs.
 */
import type { Architecture } from '@aae-map/shared';
import { FlatTensors, type TensorSpec } from '../kernels/flat-tensors.ts';
import { Adam, type AdamConfig } from '../model/adam.ts';
import { phaseWeightNames } from '../model/model.ts';
import { type AnyBatch, PHASES, type Phase, type PhaseSettings } from '../model/phases.ts';
import { type BatchDraw, onHost } from './batch-sampler.ts';
import type { GpuBatch } from './gpu-images.ts';
import { type PhaseReport, Replica } from './replica.ts';
import { SharedArena } from './shared-arena.ts';

/**
 * One Adam per phase, so the encoder's three objectives (reconstruction, fooling the
 * discriminators, classification) keep separate moment estimates. β1 = 0.5 as is usual for
 * adversarial training; the same for all phases keeps the settings few.
 */
export const ADAM: AdamConfig = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };

export type IterationReport = Partial<Record<Phase, PhaseReport>>;

/**
 * Weights and optimizer state (everything a checkpoint must hold to continue training), plus a
 * gradient buffer per replica, all in one SharedArena: worker threads share it, and Adam runs
 * its SIMD kernel on it in place.
 */
export class TrainingState {
  readonly phaseSpecs: Record<Phase, TensorSpec[]>;
  readonly optimizers: Record<Phase, Adam>;
  readonly arena: SharedArena;
  readonly params: FlatTensors;
  /** Per replica, one buffer sized for the largest phase, viewed as each phase's gradients. */
  readonly grads: Array<Record<Phase, FlatTensors>>;

  /** A state holding a copy of `initial`'s weights, with zeroed optimizer slots and a gradient buffer for each of `replicas`. */
  constructor(
    readonly arch: Architecture,
    initial: FlatTensors,
    replicas = 1,
  ) {
    const names = phaseWeightNames(arch);
    const spec = (n: string): TensorSpec => [n, initial.shape(n)];
    this.phaseSpecs = Object.fromEntries(PHASES.map((p) => [p, names[p].map(spec)])) as Record<Phase, TensorSpec[]>;
    const slotFloats = PHASES.map((p) => FlatTensors.floats(this.phaseSpecs[p]));
    const largest = Math.max(...slotFloats);
    this.arena = SharedArena.create(
      SharedArena.bytesFor([initial.data.length, ...slotFloats, ...slotFloats, ...Array<number>(replicas).fill(largest)]),
    );
    this.params = this.arena.tensors(initial.specs);
    this.params.data.set(initial.data);
    this.optimizers = Object.fromEntries(
      PHASES.map((p) => [
        p,
        new Adam(this.phaseSpecs[p], ADAM, { m: this.arena.tensors(this.phaseSpecs[p]), v: this.arena.tensors(this.phaseSpecs[p]) }),
      ]),
    ) as Record<Phase, Adam>;
    this.grads = Array.from({ length: replicas }, () => {
      const offset = this.arena.tensors([['grads', [largest]]]).data.byteOffset;
      return Object.fromEntries(PHASES.map((p) => [p, this.arena.at(this.phaseSpecs[p], offset)])) as Record<Phase, FlatTensors>;
    });
  }

  /** This state with gradient buffers for `replicas` (itself if it has as many): a copy of its weights and optimizer state. */
  withReplicas(replicas: number): TrainingState {
    if (this.grads.length === replicas) return this;
    const copy = new TrainingState(this.arch, this.params, replicas);
    for (const p of PHASES) {
      const [from, to] = [this.optimizers[p], copy.optimizers[p]];
      to.m.data.set(from.m.data);
      to.v.data.set(from.v.data);
      to.t = from.t;
    }
    return copy;
  }
}

export interface Stepper {
  /** Runs the phases (the supervised one only when the batch has labels) at learning rate `lr`. */
  step(batch: AnyBatch, lr: number): Promise<IterationReport>;
  /** Gathers `draw`'s images where the weights are (GpuStepper); steppers without it take host batches. */
  gather?(draw: BatchDraw): GpuBatch | undefined;
  /**
   * Makes `state.params` and the optimizer slots current, and returns the reports `step` has not
   * returned yet. Steppers that update the host copy at every step have nothing to do; the GPU
   * one (gpu-stepper.ts) reports in bulk and keeps the weights on the GPU until asked.
   */
  settle(): Promise<IterationReport[]>;
  /** Makes the tfjs weights match `state.params` after it was changed from outside (e.g. restored). */
  sync(): Promise<void>;
  dispose(): Promise<void>;
}

export function phasesFor(batch: AnyBatch): Phase[] {
  return PHASES.filter((p) => p !== 'supervised' || batch.labels !== undefined);
}

/** Trains with one replica in this thread. */
export class LocalStepper implements Stepper {
  readonly replica: Replica;
  private readonly grads: Record<Phase, FlatTensors>;

  constructor(
    private readonly state: TrainingState,
    settings: PhaseSettings,
  ) {
    this.replica = new Replica(settings);
    this.replica.upload(state.params);
    this.grads = state.grads[0]!;
  }

  async step(any: AnyBatch, lr: number): Promise<IterationReport> {
    const batch = onHost(any);
    const report: IterationReport = {};
    for (const phase of phasesFor(batch)) {
      const t0 = performance.now();
      const grads = this.grads[phase];
      const r = await this.replica.gradients(phase, batch, grads);
      this.state.optimizers[phase].step(this.state.params, grads, lr);
      this.replica.upload(this.state.params, grads.names);
      report[phase] = { ...r, ms: performance.now() - t0 };
    }
    return report;
  }

  async settle(): Promise<IterationReport[]> {
    return [];
  }

  async sync(): Promise<void> {
    this.replica.upload(this.state.params);
  }

  async dispose(): Promise<void> {
    this.replica.dispose();
  }
}
