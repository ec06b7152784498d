import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCheckpoint } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { type EpochMetrics, limitSplit, loadMnistDataset, loadModel, train, validationSplit } from '@aae-map/train';
import { argmaxRows } from '../src/model/encode-images.ts';
import { headOrder, placementMatrix } from '../src/model/head-order.ts';
import { circlePoints } from '../src/model/projection.ts';
import { loadForResume } from '../src/run/checkpoint.ts';

const root = await mkdtemp(join(tmpdir(), 'aae-train-run-'));
after(() => rm(root, { recursive: true, force: true }));
const quiet = { progress: false, log: () => {}, backend: 'wasm' } as const;

test('a short real run on 6,000 MNIST images: reconstruction falls, test accuracy far above chance, checkpoint and map written', async () => {
  const runDir = join(root, 'short');
  const r = await train({ ...quiet, runDir, trainLimit: 6000, testLimit: 2000, labels: 500, hidden: [256, 256], epochs: 4, seed: 3 });
  const m = r.metrics;
  assert.equal(m.length, 4);
  assert.ok(
    m[3]!.loss.reconstruction < 0.75 * m[0]!.loss.reconstruction,
    `reconstruction ${m.map((e) => e.loss.reconstruction.toFixed(3))}`,
  );
  assert.ok(m[3]!.testAccuracy! > 0.7, `test accuracy ${m[3]!.testAccuracy}`);
  assert.ok(m[3]!.lr < m[0]!.lr, 'the learning rate decays');
  const lines = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochMetrics);
  assert.deepEqual(
    lines.map((l) => l.epoch),
    [1, 2, 3, 4],
  );
  const png = await readFile(join(runDir, 'map.png'));
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);

  // The checkpoint reads back through the shared Contract 1 reader, and loadModel reproduces the test accuracy.
  const { manifest } = await readCheckpoint(runDir);
  assert.equal(manifest.epochs, 4);
  assert.equal(manifest.labels, 500);
  assert.equal(manifest.backend, 'wasm, openblas products', 'the backend and the kernels that ran the products');
  const mnist = await loadMnistDataset();
  const model = await loadModel(runDir);
  const test = mnist.test!;
  const enc = await model.encode(test.pixels.subarray(0, 2000 * 784), 2000);
  const pred = argmaxRows(enc.clusterProb, 10);
  const acc = pred.reduce((s, p, i) => s + (p === test.labels[i] ? 1 : 0), 0) / 2000;
  assert.equal(acc, m[3]!.testAccuracy);

  // The map orders its heads around the circle by the 6,000 training images, not by test images.
  const trainEnc = await model.encode(mnist.train.pixels.subarray(0, 6000 * 784), 6000);
  const order = headOrder(placementMatrix(trainEnc.clusterProb, trainEnc.representation, 6000, 10, 10), 10);
  const places = circlePoints(10, 10);
  for (const [p, cluster] of order.entries())
    assertClose(manifest.heads2d[cluster]!, places[p]!, { atol: 1e-4 }, `head of cluster ${cluster}`);
  assert.notDeepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the order is chosen, not the identity');
  model.dispose();
});

test('--validation: held-out images are neither trained on nor labelled, and their error is the model’s on them', async () => {
  const runDir = join(root, 'validation');
  const r = await train({ ...quiet, runDir, trainLimit: 3000, testLimit: 500, validation: 1000, labels: 200, hidden: [64, 64], epochs: 1 });
  const mnist = await loadMnistDataset();
  const first = limitSplit(mnist.train, 3000, 784);
  const { heldIndices, held } = validationSplit(first, 10, 1000, 784);
  const heldSet = new Set(heldIndices);
  const trainedOn = Array.from({ length: 3000 }, (_, i) => i).filter((i) => !heldSet.has(i));
  const { resume } = await loadForResume(runDir);
  assert.equal(resume.dataset.trainCount, 2000);
  assert.equal(resume.options.validation, 1000);
  assert.equal(resume.labelled.length, 200);
  assert.ok(
    resume.labelled.every((i) => !heldSet.has(trainedOn[i]!)),
    'no labelled image is a validation image',
  );

  const model = await loadModel(runDir);
  const pred = argmaxRows((await model.encode(held!.pixels, 1000)).clusterProb, 10);
  const wrong = pred.reduce((s, p, i) => s + (p === held!.labels[i] ? 0 : 1), 0);
  model.dispose();
  const reported = r.metrics[0]!.validationError!;
  assert.ok(Math.abs(reported - wrong / 1000) < 1e-12, `reported ${reported}, the model's own ${wrong / 1000}`);
  assert.ok(wrong / 1000 < 0.8, `validation error ${wrong / 1000}: far better than chance (0.9) after one short epoch`);
});
