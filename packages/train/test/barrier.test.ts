import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicaBarrier } from '../src/step/replica-barrier.ts';
import { startTsWorker } from '../src/step/ts-worker.ts';

/** A worker thread running barrier-worker.ts (as the replica workers run); resolves with its last message. */
function arriveInWorker(barrier: ReplicaBarrier, onArriving?: () => void): Promise<string> {
  const worker = startTsWorker(new URL('./barrier-worker.ts', import.meta.url), barrier.buffer);
  return new Promise((resolve, reject) => {
    worker.on('message', (m: string) => {
      if (m === 'arriving') return onArriving?.();
      resolve(m);
      void worker.terminate();
    });
    worker.on('error', reject);
  });
}

test('the replica barrier holds a worker until the second arrives, and can be passed again', async () => {
  const barrier = ReplicaBarrier.create(2);
  for (let round = 0; round < 2; round++) {
    let secondStarted = 0;
    let second: Promise<string> | undefined;
    const first = arriveInWorker(barrier, () => {
      // The partner comes 200 ms after the first worker has arrived.
      setTimeout(() => {
        secondStarted = performance.now();
        second = arriveInWorker(barrier);
      }, 200);
    }).then((m) => ({ m, at: performance.now() }));
    const a = await first;
    assert.equal(a.m, 'passed', `round ${round}: first worker`);
    assert.ok(secondStarted > 0 && a.at >= secondStarted, `round ${round}: the first worker passed only after the second started`);
    assert.equal(await second, 'passed', `round ${round}: second worker`);
  }
});

test('a failure releases a worker waiting at the replica barrier with an error instead of leaving it blocked', async () => {
  const barrier = ReplicaBarrier.create(2);
  const t0 = performance.now();
  // The waiting worker's partner never comes; it fails instead (as a replica whose phase threw).
  const end = await arriveInWorker(barrier, () => setTimeout(() => barrier.fail(), 50));
  assert.equal(end, 'error: another replica worker failed');
  assert.ok(performance.now() - t0 < 30_000, 'released promptly');
  barrier.reset();
  assert.deepEqual(await Promise.all([arriveInWorker(barrier), arriveInWorker(barrier)]), ['passed', 'passed'], 'usable again after reset');
});
