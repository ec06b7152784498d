/** Worker-thread side of ParallelStepper: one backend, one replica, half of every batch. */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from './adam.ts';
import { type BackendName, selectBackend } from './backend.ts';
import { FlatTensors } from './flat-tensors.ts';
import type { WorkerInit, WorkerRequest } from './parallel-stepper.ts';
import { type Phase, PHASES } from './phases.ts';
import { Replica } from './replica.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const perPhase = <T>(f: (p: Phase) => T) => Object.fromEntries(PHASES.map((p) => [p, f(p)])) as Record<Phase, T>;

function handle(replica: Replica, params: FlatTensors, req: WorkerRequest): unknown {
  if (req.cmd === 'grad') {
    replica.upload(params, req.upload);
    return replica.gradients(req.phase, req.batch, grads[init.index]![req.phase]);
  }
  if (req.cmd === 'adam') {
    const sources = grads.map((g, k) => ({ grads: g[req.phase], weight: req.weights[k]! }));
    optimizers[req.phase].step(params, sources, req.lr, { from: req.from, to: req.to }, req.t);
    return null;
  }
  replica.upload(params, req.upload);
  return req.names.map((n) => replica.weights.tensors.get(n)!.dataSync() as Float32Array);
}

const grads = init.grads.map((buf) => perPhase((p) => new FlatTensors(init.phaseSpecs[p], buf)));
const optimizers = perPhase((p) => new Adam(init.phaseSpecs[p], init.adam, init.slots[p]));
try {
  await selectBackend(init.backend as BackendName);
  const params = new FlatTensors(init.paramSpecs, init.params);
  const replica = new Replica(init.settings);
  replica.upload(params);
  port.on('message', (req: WorkerRequest) => {
    try {
      port.postMessage({ ok: handle(replica, params, req) });
    } catch (err) {
      port.postMessage({ error: (err as Error).stack ?? String(err) });
    }
  });
  port.postMessage({ ok: tf.getBackend() });
} catch (err) {
  port.postMessage({ error: (err as Error).stack ?? String(err) });
}
