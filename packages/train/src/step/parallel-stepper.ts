/**
 * Data-parallel training on worker threads. One wasm instance uses one core, so K workers (one
 * per gradient buffer of the state), each with its own backend and model replica, compute each
 * phase's gradients on a K-th of the batch. Losses are means over examples, so the shares'
 * gradients, averaged with weights n_k/B, are exactly the full batch's gradient (up to float
 * rounding). The weights, Adam slots and gradients live in the state's SharedArena; each worker
 * applies Adam to a K-th of them, and every replica then loads the same updated weights, so
 * they never drift apart.
 * An iteration's phases are all posted at once: the workers meet at a shared-memory barrier
 * (replica-barrier.ts) between gradients and update, and the main thread only collects the
 * reports, so no phase waits for a round trip through it.
 */
import type { Worker } from 'node:worker_threads';
import type { GemmName } from '../backend-names.ts';
import { FlatTensors, type TensorSpec } from '../kernels/flat-tensors.ts';
import { activeGemm } from '../kernels/wasm-matmul.ts';
import type { AdamConfig } from '../model/adam.ts';
import { type AnyBatch, type IterationBatch, PHASES, type Phase, type PhaseSettings } from '../model/phases.ts';
import { onHost, sliceBatch } from './batch-sampler.ts';
import type { PhaseReport } from './replica.ts';
import { ReplicaBarrier } from './replica-barrier.ts';
import type { ArenaHandle } from './shared-arena.ts';
import { ADAM, type IterationReport, phasesFor, type Stepper, type TrainingState } from './stepper.ts';
import { startModuleWorker } from './ts-worker.ts';

export interface WorkerInit {
  index: number;
  backend: string;
  /** The products' kernels, as the main thread selected them. */
  gemm: GemmName;
  settings: PhaseSettings;
  arena: ArenaHandle;
  paramSpecs: TensorSpec[];
  /** Byte offsets in the arena of the weights, each replica's gradient buffer (one per worker), and the Adam slots. */
  params: number;
  phaseSpecs: Record<Phase, TensorSpec[]>;
  grads: number[];
  slots: Record<Phase, { m: number; v: number }>;
  adam: AdamConfig;
  /** The workers' ReplicaBarrier memory. */
  barrier: SharedArrayBuffer;
}

/**
 * What a worker does, after loading the weights listed in `upload` (changed since its last request):
 * - grad: the phase's gradients on its share of `batch`, into its gradient buffer;
 * - step: the same, then Adam on elements [from, to) of the phase's weights from every worker's
 *   gradients (weighted), with a barrier before and after; `batch` is sent with an iteration's
 *   first phase only.
 * - read: the replica's tfjs weights `names` (for tests).
 */
export type WorkerRequest =
  | { cmd: 'grad'; phase: Phase; batch: IterationBatch; upload: string[] }
  | {
      cmd: 'step';
      phase: Phase;
      batch?: IterationBatch;
      upload: string[];
      lr: number;
      t: number;
      from: number;
      to: number;
      weights: number[];
    }
  | { cmd: 'read'; names: string[]; upload: string[] };

/** A worker's first reply: its tfjs backend and the products' kernels it selected. */
export interface WorkerKernels {
  backend: string;
  gemm: GemmName;
}

type WorkerReply = { ok: unknown } | { error: string };

const startWorker = (init: WorkerInit): Worker =>
  startModuleWorker(new URL('./replica-worker.ts', import.meta.url), 'replica-worker', init);

/**
 * One worker and its in-flight requests, answered in order. A worker that dies unasked calls
 * `onDeath`, so that the others are not left waiting for it at the barrier.
 */
class Channel {
  private readonly pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private failure?: Error;
  private closing = false;

  constructor(
    readonly worker: Worker,
    onDeath: () => void,
  ) {
    worker.on('message', (m: WorkerReply) => {
      const p = this.pending.shift();
      if ('error' in m) p?.reject(new Error(`replica worker: ${m.error}`));
      else p?.resolve(m.ok);
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.pending.splice(0)) p.reject(err);
      if (!this.closing) onDeath();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`replica worker exited with code ${code}`)));
  }

  /** Stops the worker (an expected exit: no onDeath). */
  close(): Promise<number> {
    this.closing = true;
    return this.worker.terminate();
  }

  call<T>(req: WorkerRequest | { cmd: 'ready' }): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject });
      if (req.cmd !== 'ready') this.worker.postMessage(req);
    });
  }
}

/** Iterations between worker renewals (see renew): well before the slowdown's onset at ~1,000. */
const RENEW_EVERY = 500;

export class ParallelStepper implements Stepper {
  private channels: Channel[];
  /** Weights changed by the last Adam step, which the replicas load before their next phase. */
  private stale: string[] = [];
  /** Iterations these workers' stepper has run, for the periodic renewal. */
  private steps = 0;

  private constructor(
    private readonly state: TrainingState,
    private readonly init: Omit<WorkerInit, 'index'>,
  ) {
    this.channels = this.startWorkers(init.grads.length);
  }

  /** Starts one worker on `backend` per gradient buffer of `state` (TrainingState's `replicas`). */
  static async start(state: TrainingState, settings: PhaseSettings, backend: string): Promise<ParallelStepper> {
    const replicas = state.grads.length;
    const slots = Object.fromEntries(
      PHASES.map((p) => [p, { m: state.optimizers[p].m.data.byteOffset, v: state.optimizers[p].v.data.byteOffset }]),
    ) as WorkerInit['slots'];
    const stepper = new ParallelStepper(state, {
      backend,
      gemm: activeGemm(),
      settings,
      arena: state.arena.handle,
      paramSpecs: state.params.specs,
      params: state.params.data.byteOffset,
      phaseSpecs: state.phaseSpecs,
      grads: state.grads.map((g) => g.reconstruction.data.byteOffset),
      slots,
      adam: ADAM,
      barrier: ReplicaBarrier.create(replicas).buffer,
    });
    await stepper.ready();
    return stepper;
  }

  /** What each worker runs on, as it reported when it started. */
  workerKernels: WorkerKernels[] = [];

  private async ready(): Promise<void> {
    try {
      this.workerKernels = await Promise.all(this.channels.map((c) => c.call<WorkerKernels>({ cmd: 'ready' })));
    } catch (err) {
      await this.dispose();
      throw err;
    }
  }

  /**
   * Replaces the workers with fresh ones on the same shared weights and optimizer slots.
   * Measured here (wasm, 2 cores): after about 1,000 iterations or 6 minutes a worker's phases
   * become 30-60% slower and stay so, with the same weights, memory and heap size; a new worker
   * is fast again. The cause is not found, so step() renews the workers every RENEW_EVERY
   * iterations, which costs about two seconds each time. (Since the workers meet at the barrier,
   * a 1,400-iteration probe without renewal showed no lasting slowdown; kept until more runs agree.)
   */
  async renew(): Promise<void> {
    await this.dispose();
    this.channels = this.startWorkers(this.channels.length);
    this.stale = [];
    await this.ready();
  }

  /** Fresh workers on a cleared barrier; one that dies fails the barrier, releasing the others. */
  private startWorkers(count: number): Channel[] {
    const barrier = new ReplicaBarrier(this.init.barrier);
    barrier.reset();
    return Array.from({ length: count }, (_, index) => new Channel(startWorker({ ...this.init, index }), () => barrier.fail()));
  }

  /** Each replica's share of a batch of `size` examples, and its weight n_k / B in the average. */
  private shares(size: number): Array<{ from: number; to: number; weight: number }> {
    return splitRange(size, this.channels.length).map(([from, to]) => ({ from, to, weight: (to - from) / size }));
  }

  /** Runs one phase's forward and backward passes on every replica; gradients land in shared memory. */
  async gradients(phase: Phase, batch: IterationBatch): Promise<PhaseReport> {
    const shares = this.shares(batch.size);
    const upload = this.stale;
    this.stale = [];
    const reports = await Promise.all(
      this.channels.map((c, k) =>
        c.call<PhaseReport>({ cmd: 'grad', phase, batch: sliceBatch(batch, shares[k]!.from, shares[k]!.to), upload }),
      ),
    );
    return this.mix(reports, batch.size);
  }

  /** The replicas' losses and stats, averaged with the weights of their shares. */
  private mix(reports: PhaseReport[], size: number): PhaseReport {
    const shares = this.shares(size);
    const mix = (f: (r: PhaseReport) => number) => reports.reduce((s, r, k) => s + shares[k]!.weight * f(r), 0);
    const stats = Object.fromEntries(Object.keys(reports[0]!.stats).map((key) => [key, mix((r) => r.stats[key]!)]));
    return { loss: mix((r) => r.loss), stats };
  }

  /** The batch-size-weighted average of the replicas' last gradients for `phase` (for tests). */
  averagedGradients(phase: Phase, size: number): FlatTensors {
    const out = new FlatTensors(this.state.phaseSpecs[phase]);
    const shares = this.shares(size);
    for (let k = 0; k < shares.length; k++) {
      const { weight } = shares[k]!;
      const grads = this.state.grads[k]![phase].data;
      for (let i = 0; i < grads.length; i++) out.data[i]! += weight * grads[i]!;
    }
    return out;
  }

  /**
   * Posts all of the iteration's phases to every worker at once, each phase with its Adam
   * update split between them; a phase's time is from the previous phase's report to its own.
   */
  async step(any: AnyBatch, lr: number): Promise<IterationReport> {
    const batch = onHost(any);
    if (this.steps > 0 && this.steps % RENEW_EVERY === 0) await this.renew();
    this.steps++;
    const shares = this.shares(batch.size);
    const parts = shares.map((s) => sliceBatch(batch, s.from, s.to));
    const weights = shares.map((s) => s.weight);
    const phases = phasesFor(batch);
    const start = performance.now();
    const replies = phases.map((phase, i) => {
      const opt = this.state.optimizers[phase];
      const t = ++opt.t;
      const ranges = splitRange(FlatTensors.floats(this.state.phaseSpecs[phase]), this.channels.length);
      const upload = this.stale;
      this.stale = this.state.phaseSpecs[phase].map(([n]) => n);
      const requests = this.channels.map((c, k) =>
        c.call<PhaseReport>({
          cmd: 'step',
          phase,
          batch: i === 0 ? parts[k] : undefined,
          upload,
          lr,
          t,
          from: ranges[k]![0],
          to: ranges[k]![1],
          weights,
        }),
      );
      return Promise.all(requests).then((reports) => ({ reports, done: performance.now() }));
    });
    // Every reply settles before a failure is reported, so none is left unhandled.
    const settled = await Promise.allSettled(replies);
    const report: IterationReport = {};
    let previous = start;
    for (const [i, phase] of phases.entries()) {
      const r = settled[i]!;
      if (r.status === 'rejected') throw r.reason;
      report[phase] = { ...this.mix(r.value.reports, batch.size), ms: r.value.done - previous };
      previous = r.value.done;
    }
    return report;
  }

  async settle(): Promise<IterationReport[]> {
    return [];
  }

  async sync(): Promise<void> {
    this.stale = this.state.params.names;
  }

  /** Each replica's tfjs weights for `names`, after loading the latest update (for tests: replicas must stay identical). */
  async replicaWeights(names: string[]): Promise<Float32Array[][]> {
    const upload = this.stale;
    this.stale = [];
    return Promise.all(this.channels.map((c) => c.call<Float32Array[]>({ cmd: 'read', names, upload })));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.close()));
  }
}

/** [0, n) cut into `parts` consecutive ranges whose lengths differ by at most one. */
function splitRange(n: number, parts: number): Array<[number, number]> {
  return Array.from({ length: parts }, (_, k) => [Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)]);
}
