/**
 * One copy of the model in tfjs: turns an iteration batch into gradients for one phase, and
 * takes updated weights back from the optimizer. The trainer drives one in-process replica,
 * or one per worker thread in data-parallel mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readInto } from '../backend.ts';
import type { FlatTensors } from '../kernels/flat-tensors.ts';
import { TfWeights } from '../model/model.ts';
import { clearCarry, type IterationBatch, type Phase, type PhaseCarry, type PhaseSettings, runPhase } from '../model/phases.ts';

export interface PhaseReport {
  loss: number;
  stats: Record<string, number>;
  /** Wall time of the phase including its optimizer update, filled in by the stepper. */
  ms?: number;
  /** Iterations whose mean `loss` and `stats` are (the GPU stepper reports in bulk); 1 when absent. */
  iterations?: number;
}

export class Replica {
  readonly weights = new TfWeights();
  private readonly carry: PhaseCarry = {};

  constructor(readonly settings: PhaseSettings) {}

  /** Copies the current values of `names` (default all) from `params` into tfjs. */
  upload(params: FlatTensors, names?: Iterable<string>): void {
    this.weights.upload(params, names);
  }

  /** Computes the phase's gradients on `batch` into `grads` (which lists exactly the phase's weights). */
  async gradients(phase: Phase, batch: IterationBatch, grads: FlatTensors): Promise<PhaseReport> {
    const out = tf.tidy(() => {
      const o = runPhase(phase, this.weights.tensors, batch, grads.names, this.settings, this.carry);
      const keys = Object.keys(o.stats);
      const scalars = tf.stack([o.loss, ...keys.map((k) => o.stats[k]!)]);
      tf.dispose(Object.values(o.stats)); // kept ones outlive the tidy otherwise
      return { grads: o.grads, scalars, keys };
    });
    try {
      // One read for the gradients and the numbers (one round trip on webgpu).
      const values = new Float32Array(out.keys.length + 1);
      await readInto([...out.grads, out.scalars], [...grads.names.map((n) => grads.view(n)), values]);
      return { loss: values[0]!, stats: Object.fromEntries(out.keys.map((k, i) => [k, values[i + 1]!])) };
    } finally {
      tf.dispose([...out.grads, out.scalars]);
    }
  }

  dispose(): void {
    clearCarry(this.carry);
    this.weights.dispose();
  }
}
