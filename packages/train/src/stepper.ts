/**
 * Runs one training iteration: the four phases in order, each followed by its Adam update.
 * Weights live in a FlatTensors (the master copy); replicas mirror them in tfjs.
 */
import type { Architecture } from '@aae-map/shared';
import { Adam, type AdamConfig } from './adam.ts';
import { FlatTensors, type TensorSpec } from './flat-tensors.ts';
import { phaseWeightNames } from './model.ts';
import { type IterationBatch, type Phase, PHASES, type PhaseSettings } from './phases.ts';
import { type PhaseReport, Replica } from './replica.ts';

/**
 * One Adam per phase, so the encoder's three objectives (reconstruction, fooling the
 * discriminators, classification) keep separate moment estimates. β1 = 0.5 as is usual for
 * adversarial training; the same for all phases keeps the settings few.
 */
export const ADAM: AdamConfig = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };

export type IterationReport = Partial<Record<Phase, PhaseReport>>;

/** Weights and optimizer state: everything a checkpoint must hold to continue training. */
export class TrainingState {
  readonly phaseSpecs: Record<Phase, TensorSpec[]>;
  readonly optimizers: Record<Phase, Adam>;

  constructor(
    readonly arch: Architecture,
    readonly params: FlatTensors,
    /** Allocates the optimizer slots' memory (SharedArrayBuffers for worker threads). */
    alloc: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
  ) {
    const names = phaseWeightNames(arch);
    const spec = (n: string): TensorSpec => [n, params.shape(n)];
    this.phaseSpecs = Object.fromEntries(PHASES.map((p) => [p, names[p].map(spec)])) as Record<Phase, TensorSpec[]>;
    this.optimizers = Object.fromEntries(
      PHASES.map((p) => {
        const bytes = 4 * FlatTensors.floats(this.phaseSpecs[p]);
        return [p, new Adam(this.phaseSpecs[p], ADAM, { m: alloc(bytes), v: alloc(bytes) })];
      }),
    ) as Record<Phase, Adam>;
  }

  /** A copy whose weights and optimizer slots live in SharedArrayBuffers, for worker threads. */
  toShared(): TrainingState {
    const shared = (bytes: number) => new SharedArrayBuffer(bytes);
    const params = new FlatTensors(this.params.specs, shared(this.params.data.byteLength));
    params.data.set(this.params.data);
    const copy = new TrainingState(this.arch, params, shared);
    for (const p of PHASES) {
      copy.optimizers[p].m.data.set(this.optimizers[p].m.data);
      copy.optimizers[p].v.data.set(this.optimizers[p].v.data);
      copy.optimizers[p].t = this.optimizers[p].t;
    }
    return copy;
  }
}

export interface Stepper {
  /** Runs the phases (the supervised one only when the batch has labels) at learning rate `lr`. */
  step(batch: IterationBatch, lr: number): Promise<IterationReport>;
  /** Makes the tfjs weights match `state.params` after it was changed from outside (e.g. restored). */
  sync(): Promise<void>;
  dispose(): Promise<void>;
}

export function phasesFor(batch: IterationBatch): Phase[] {
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
    this.grads = Object.fromEntries(PHASES.map((p) => [p, new FlatTensors(state.phaseSpecs[p])])) as Record<Phase, FlatTensors>;
  }

  async step(batch: IterationBatch, lr: number): Promise<IterationReport> {
    const report: IterationReport = {};
    for (const phase of phasesFor(batch)) {
      const t0 = performance.now();
      const grads = this.grads[phase];
      const r = this.replica.gradients(phase, batch, grads);
      this.state.optimizers[phase].step(this.state.params, grads, lr);
      this.replica.upload(this.state.params, grads.names);
      report[phase] = { ...r, ms: performance.now() - t0 };
    }
    return report;
  }

  async sync(): Promise<void> {
    this.replica.upload(this.state.params);
  }

  async dispose(): Promise<void> {
    this.replica.dispose();
  }
}
