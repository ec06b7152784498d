/** Worker-thread side of ParallelStepper: one backend, one replica, half of every batch. */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from './adam.ts';
import { type BackendName, selectBackend } from './backend.ts';
import type { WorkerInit, WorkerRequest } from './parallel-stepper.ts';
import { type Phase, PHASES } from './phases.ts';
import { refreshTransposed } from './kernel-transpose.ts';
import { Replica } from './replica.ts';
import { SharedArena } from './shared-arena.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const perPhase = <T>(f: (p: Phase) => T) => Object.fromEntries(PHASES.map((p) => [p, f(p)])) as Record<Phase, T>;

function handle(replica: Replica, req: WorkerRequest): unknown {
  if (req.cmd === 'grad') {
    replica.upload(params, req.upload, transposed);
    return replica.gradients(req.phase, req.batch, grads[init.index]![req.phase]);
  }
  if (req.cmd === 'adam') {
    const sources = grads.map((g, k) => ({ grads: g[req.phase], weight: req.weights[k]! }));
    const range = { from: req.from, to: req.to };
    optimizers[req.phase].step(params, sources, req.lr, range, req.t);
    refreshTransposed(params, transposed, init.phaseSpecs[req.phase], range);
    return null;
  }
  replica.upload(params, req.upload, transposed);
  return req.names.map((n) => replica.weights.tensors.get(n)!.dataSync() as Float32Array);
}

const arena = SharedArena.attach(init.arena);
const params = arena.at(init.paramSpecs, init.params);
const transposed = arena.at(init.transposedSpecs, init.transposed);
const grads = init.grads.map((offset) => perPhase((p) => arena.at(init.phaseSpecs[p], offset)));
const optimizers = perPhase((p) => new Adam(init.phaseSpecs[p], init.adam, { m: arena.at(init.phaseSpecs[p], init.slots[p].m), v: arena.at(init.phaseSpecs[p], init.slots[p].v) }));
try {
  await selectBackend(init.backend as BackendName);
  const replica = new Replica(init.settings);
  replica.upload(params, undefined, transposed);
  port.on('message', (req: WorkerRequest) => {
    try {
      port.postMessage({ ok: handle(replica, req) });
    } catch (err) {
      port.postMessage({ error: (err as Error).stack ?? String(err) });
    }
  });
  port.postMessage({ ok: tf.getBackend() });
} catch (err) {
  port.postMessage({ error: (err as Error).stack ?? String(err) });
}
