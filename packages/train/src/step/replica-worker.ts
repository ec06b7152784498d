/** Worker-thread side of ParallelStepper: one backend, one replica, its share of every batch. */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, readInto, selectBackend } from '../backend.ts';
import { activeGemm, selectGemm } from '../kernels/wasm-matmul.ts';
import { Adam } from '../model/adam.ts';
import { type IterationBatch, PHASES, type Phase } from '../model/phases.ts';
import type { WorkerInit, WorkerKernels, WorkerRequest } from './parallel-stepper.ts';
import { Replica } from './replica.ts';
import { ReplicaBarrier } from './replica-barrier.ts';
import { SharedArena } from './shared-arena.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const perPhase = <T>(f: (p: Phase) => T) => Object.fromEntries(PHASES.map((p) => [p, f(p)])) as Record<Phase, T>;
/** The batch of the current iteration: sent with its first phase only. */
let batch: IterationBatch | undefined;

async function handle(replica: Replica, req: WorkerRequest): Promise<unknown> {
  replica.upload(params, req.upload);
  if (req.cmd === 'read') {
    const tensors = req.names.map((n) => replica.weights.tensors.get(n)!);
    const values = tensors.map((t) => new Float32Array(t.size));
    await readInto(tensors, values);
    return values;
  }
  batch = req.batch ?? batch;
  if (!batch) throw new Error('no batch sent for this iteration');
  const report = await replica.gradients(req.phase, batch, grads[init.index]![req.phase]);
  if (req.cmd === 'grad') return report;
  // Once every share's gradients are in shared memory, each worker updates its own slice of the
  // weights, then waits until the others' slices are done too, so its next upload is whole.
  barrier.arrive();
  const sources = grads.map((g, k) => ({ grads: g[req.phase], weight: req.weights[k]! }));
  const range = { from: req.from, to: req.to };
  optimizers[req.phase].step(params, sources, req.lr, range, req.t);
  barrier.arrive();
  return report;
}

const arena = SharedArena.attach(init.arena);
const params = arena.at(init.paramSpecs, init.params);
const grads = init.grads.map((offset) => perPhase((p) => arena.at(init.phaseSpecs[p], offset)));
const optimizers = perPhase(
  (p) =>
    new Adam(init.phaseSpecs[p], init.adam, {
      m: arena.at(init.phaseSpecs[p], init.slots[p].m),
      v: arena.at(init.phaseSpecs[p], init.slots[p].v),
    }),
);
const barrier = new ReplicaBarrier(init.barrier);
try {
  await selectBackend(init.backend as BackendName);
  selectGemm(init.gemm);
  const replica = new Replica(init.settings);
  replica.upload(params);
  // One request at a time, in order: the phases of an iteration arrive together.
  let queue = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        port.postMessage({ ok: await handle(replica, req) });
      } catch (err) {
        barrier.fail();
        port.postMessage({ error: (err as Error).stack ?? String(err) });
      }
    });
  });
  port.postMessage({ ok: { backend: tf.getBackend(), gemm: activeGemm() } satisfies WorkerKernels });
} catch (err) {
  port.postMessage({ error: (err as Error).stack ?? String(err) });
}
