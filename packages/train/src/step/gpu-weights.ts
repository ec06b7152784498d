/**
 * The weights and every phase's Adam moments, resident on the GPU for a whole run. Each weight
 * has one buffer: the weight, then an (m, v) pair for each phase that trains it, in PHASES order
 * (an encoder kernel has three). The model reads the weight as a zero-copy tensor on that
 * buffer; adamInPlace updates weight and moments in one dispatch. The host copy in
 * TrainingState is written only by download (checkpoints, evaluation).
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamInPlace } from '../kernels/webgpu-adam.ts';
import { type GpuBuffer, requireWebgpuView } from '../kernels/webgpu-internals.ts';
import { adamStepScalars } from '../model/adam.ts';
import { TfWeights, type WeightTensors } from '../model/model.ts';
import { PHASES, type Phase } from '../model/phases.ts';
import { ADAM, type TrainingState } from './stepper.ts';

interface Packed {
  buffer?: GpuBuffer;
  /** Floats in the buffer. */
  length: number;
  /** Float offset of each training phase's m (its v follows). */
  slots: Map<Phase, number>;
}

export class GpuWeights {
  /** The model's view: each weight, a tensor on its packed buffer. */
  private readonly view = new TfWeights();
  readonly tensors: WeightTensors = this.view.tensors;
  private readonly packed = new Map<string, Packed>();

  constructor(private readonly state: TrainingState) {
    for (const name of state.params.names) {
      const n = state.params.view(name).length;
      const slots = new Map<Phase, number>();
      for (const p of PHASES) if (state.phaseSpecs[p].some(([s]) => s === name)) slots.set(p, n * (1 + 2 * slots.size));
      this.packed.set(name, { length: n * (1 + 2 * slots.size), slots });
    }
    this.upload();
  }

  /** Replaces the GPU copy with the host's weights and moments (at the start, and after a restore). */
  upload(): void {
    const gpu = requireWebgpuView(tf.backend());
    const { params, optimizers } = this.state;
    for (const [name, p] of this.packed) {
      const host = new Float32Array(p.length);
      host.set(params.view(name));
      for (const [phase, at] of p.slots) {
        host.set(optimizers[phase].m.view(name), at);
        host.set(optimizers[phase].v.view(name), at + params.view(name).length);
      }
      // The old buffers are left to the garbage collector: commands tfjs has recorded but not yet submitted may still use them.
      p.buffer = gpu.bufferWith(host);
      this.view.replace(name, tf.tensor({ buffer: p.buffer, zeroCopy: true }, params.shape(name), 'float32'));
    }
  }

  /** One Adam step of `phase` (update number `t`) from `grads`, given in the order of `names`. */
  adam(phase: Phase, names: string[], grads: tf.Tensor[], lr: number, t: number): void {
    const s = adamStepScalars(ADAM, lr, t);
    names.forEach((name, i) => {
      adamInPlace(this.tensors.get(name)!, grads[i]!, this.packed.get(name)!.slots.get(phase)!, s);
    });
  }

  /** Copies the weights and moments back into the TrainingState (one read per weight, all at once). */
  async download(): Promise<void> {
    const { params, optimizers } = this.state;
    await Promise.all(
      [...this.packed].map(async ([name, p]) => {
        const view = tf.tensor({ buffer: p.buffer, zeroCopy: true }, [p.length], 'float32');
        const values = (await view.data().finally(() => view.dispose())) as Float32Array;
        const n = params.view(name).length;
        params.view(name).set(values.subarray(0, n));
        for (const [phase, at] of p.slots) {
          optimizers[phase].m.view(name).set(values.subarray(at, at + n));
          optimizers[phase].v.view(name).set(values.subarray(at + n, at + 2 * n));
        }
      }),
    );
  }

  dispose(): void {
    this.view.dispose();
  }
}
