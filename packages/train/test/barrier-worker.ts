/** Test worker for barrier.test.ts: arrives at the barrier once and reports how that ended. */
import { parentPort, workerData } from 'node:worker_threads';
import { ReplicaBarrier } from '../src/step/replica-barrier.ts';

const barrier = new ReplicaBarrier(workerData as SharedArrayBuffer);
parentPort!.postMessage('arriving');
try {
  barrier.arrive();
  parentPort!.postMessage('passed');
} catch (err) {
  parentPort!.postMessage(`error: ${(err as Error).message}`);
}
