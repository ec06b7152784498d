import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCheckpoint, UserError } from '@aae-map/shared';
import { loadModel, type TrainOptions, train } from '@aae-map/train';

const root = await mkdtemp(join(tmpdir(), 'aae-train-resume-'));
after(() => rm(root, { recursive: true, force: true }));
const tiny: TrainOptions = {
  progress: false,
  log: () => {},
  backend: 'wasm',
  trainLimit: 1500,
  testLimit: 300,
  labels: 100,
  hidden: [32, 32],
  batch: 50,
  seed: 5,
};
const stable = (line: string) => {
  const { seconds, trainSeconds, samplesPerSecond, time, ...rest } = JSON.parse(line);
  return rest;
};

test('resuming after epoch 1 gives bit-identical weights, optimizer state and metrics to an uninterrupted run', async () => {
  const straight = join(root, 'straight');
  const split = join(root, 'split');
  await train({ ...tiny, runDir: straight, epochs: 3 });
  // Stop the split run after epoch 1 (as a kill would), keeping its 3-epoch learning-rate schedule.
  const stop = new AbortController();
  const first = await train({ ...tiny, runDir: split, epochs: 3, signal: stop.signal, onEpoch: () => stop.abort() });
  assert.equal(first.manifest.epochs, 1);
  const resumed = await train({ runDir: split, resume: true, epochs: 3, progress: false, log: () => {}, backend: 'wasm' });
  assert.deepEqual(
    resumed.metrics.map((m) => m.epoch),
    [2, 3],
  );
  for (const f of ['weights.bin', 'optimizer.bin'])
    assert.ok((await readFile(join(straight, f))).equals(await readFile(join(split, f))), `${f} differs`);
  const lines = async (d: string) => (await readFile(join(d, 'metrics.jsonl'), 'utf8')).trim().split('\n').map(stable);
  assert.deepEqual(await lines(split), await lines(straight));
  const a = JSON.parse(await readFile(join(straight, 'resume.json'), 'utf8'));
  const b = JSON.parse(await readFile(join(split, 'resume.json'), 'utf8'));
  assert.deepEqual([b.epoch, b.step, b.rng], [a.epoch, a.step, a.rng]);
});

test('a finished run is not overwritten without --resume, and --resume needs a run', async () => {
  const dir = join(root, 'once');
  await train({ ...tiny, runDir: dir, epochs: 1 });
  await assert.rejects(
    train({ ...tiny, runDir: dir, epochs: 1 }),
    (e: unknown) => e instanceof UserError && /already holds a run/.test(e.message),
  );
  await assert.rejects(train({ ...tiny, runDir: join(root, 'nothing'), resume: true }), UserError);
});

test('a CLI run killed with SIGKILL mid-epoch resumes to a loadable checkpoint with its full epoch count', async () => {
  const dir = join(root, 'killed');
  const args = [
    '--import',
    'tsx',
    'packages/train/src/cli.ts',
    '--out',
    dir,
    '--backend',
    'wasm',
    '--train-limit',
    '6000',
    '--test-limit',
    '300',
    '--labels',
    '100',
    '--hidden',
    '64,64',
    '--epochs',
    '3',
    '--seed',
    '2',
    '--no-progress',
  ];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  // Kill during epoch 2: after epoch 1's checkpoint exists, before epoch 2's.
  const metrics = join(dir, 'metrics.jsonl');
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    if (existsSync(metrics) && (await readFile(metrics, 'utf8')).trim().split('\n').length >= 1) break;
    if (child.exitCode !== null) assert.fail('the child finished before it could be killed');
  }
  await new Promise((r) => setTimeout(r, 400));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const mid = await readCheckpoint(dir);
  assert.ok(mid.manifest.epochs < 3, `killed after ${mid.manifest.epochs} epochs`);
  const resumed = await new Promise<number>((resolve) =>
    spawn(process.execPath, [...args, '--resume'], { stdio: 'ignore' }).once('exit', (code) => resolve(code ?? -1)),
  );
  assert.equal(resumed, 0);
  const { manifest } = await readCheckpoint(dir);
  assert.equal(manifest.epochs, 3);
  const epochs = (await readFile(metrics, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).epoch);
  assert.deepEqual(epochs, [1, 2, 3]);
  const model = await loadModel(dir);
  assert.equal((await model.encode(new Uint8Array(2 * 784), 2)).point.length, 4);
  model.dispose();
});
