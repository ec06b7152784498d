/**
 * `pnpm evaluate` end to end on small random models (checkpoint → export → onnxruntime): the real
 * CLI writes eval.json with the documented schema, numbers in range, and numbers that agree with
 * slow reference metrics computed on points from a separate onnxruntime session.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EvalReport } from '@aae-map/evaluate';
import { exportModel } from '@aae-map/export';
import { openModel } from '@aae-map/infer';
import { readMnist } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import {
  referenceHeadRatios,
  referenceKnnAccuracy,
  referencePenaltyWithinLabels,
  referenceSilhouette,
  referenceTrustworthiness,
} from '../packages/evaluate/test/reference-metrics.ts';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const BIN = fileURLToPath(new URL('../packages/evaluate/bin/evaluate.js', import.meta.url));
const LIMIT = 300;
const PIXELS = 28 * 28;
let tmp: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'evaluate-e2e-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: tmp });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const inUnit = (v: number, what: string) => assert.ok(v >= 0 && v <= 1, `${what} = ${v} is not in [0, 1]`);

/** Cluster of the largest probability in row i of [count, clusters] (first on ties). */
const argmax = (p: Float32Array, clusters: number, i: number) =>
  p.subarray(i * clusters, (i + 1) * clusters).reduce((b, v, k, row) => (v > row[b]! ? k : b), 0);

/**
 * eval.json's heads and cluster blocks against points from a separate onnxruntime session, the
 * heads in the model's metadata, and the reference implementation.
 */
async function checkHeadsAndClusters(r: EvalReport, onnx: string, pixels: Uint8Array, labels: Uint8Array, clusterLabels: number[]) {
  const model = await openModel(onnx, { device: 'cpu' });
  const n = labels.length;
  const out = await model.run(pixels, n);
  const heads = model.info.heads2d;
  await model.close();
  const ref = referenceHeadRatios(out.point, labels, heads, clusterLabels);
  assert.deepEqual(
    r.heads.perClass.map((c) => c.cls),
    [...ref.keys()].sort((a, b) => a - b),
  );
  assert.deepEqual(
    r.heads.withoutHead,
    [...new Set(labels)].filter((l) => !ref.has(l)).sort((a, b) => a - b),
  );
  const ratios = [...ref.values()];
  assertClose(
    [...r.heads.perClass.map((c) => c.ratio), r.heads.mean!, r.heads.max!],
    [...r.heads.perClass.map((c) => ref.get(c.cls)!), ratios.reduce((s, v) => s + v, 0) / ratios.length, Math.max(...ratios)],
    { atol: 1e-9 },
    'head distance / spacing',
  );
  const histogram = new Array<number>(heads.length).fill(0);
  for (let i = 0; i < n; i++) histogram[argmax(out.clusterProb, heads.length, i)]!++;
  assert.deepEqual(r.clusters.counts, histogram);
  assert.deepEqual(
    r.clusters.empty,
    histogram.flatMap((c, k) => (c === 0 ? [k] : [])),
  );
}

test('a semi-supervised n-D run: eval.json has the schema, numbers in range, and matches reference metrics', async () => {
  const runDir = join(tmp, 'run-nd');
  await writeRandomCheckpoint(runDir, { mode: 'nd', clusters: 10, seed: 3, dataset: 'mnist' });
  // The fixture writes an unsupervised manifest; mark it as trained with 100 labels.
  const manifestFile = join(runDir, 'manifest.json');
  await writeFile(manifestFile, JSON.stringify({ ...JSON.parse(await readFile(manifestFile, 'utf8')), labels: 100 }));

  const res = await cli(['--run', runDir, '--limit', String(LIMIT), '--no-progress']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /cluster k = class k\s+\d+\.\d\d% {2}<- primary/);
  assert.match(res.stdout, /trustworthiness \(k = 5\)\s+0\.\d{4}/);
  assert.match(res.stdout, /its penalty within classes\s+\d+\.\d\d%/);
  const r = JSON.parse(await readFile(join(runDir, 'eval.json'), 'utf8')) as EvalReport;

  assert.equal(r.schema, 'aae-map-eval');
  assert.equal(r.version, 1);
  assert.ok(!Number.isNaN(Date.parse(r.createdAt)));
  assert.deepEqual(
    { ...r.model, classNames: r.model.classNames.length },
    {
      source: 'run',
      path: runDir,
      clusters: 10,
      styleDim: 10,
      mode: 'nd',
      dataset: 'mnist',
      classNames: 10,
      labelsUsed: 100,
      epochs: 0,
      provider: 'cpu',
    },
  );
  for (const set of [r.data.test, r.data.fit]) assert.deepEqual([set.count, set.height, set.width], [LIMIT, 28, 28]);
  assert.deepEqual([r.data.test.name, r.data.fit.name], ['MNIST test', 'MNIST train']);

  const c = r.classification;
  assert.equal(c.primary, 'direct');
  assert.equal(c.error, c.direct!.error);
  for (const v of [c.direct!.error, c.mostConfident.error, c.majority.error, r.knn.k1, r.knn.k5, r.trustworthiness.value])
    inUnit(v, 'metric');
  assert.ok(r.silhouette! >= -1 && r.silhouette! <= 1);
  assert.equal(r.trustworthiness.k, 5);
  for (const labels of [c.mostConfident.clusterLabels, c.majority.clusterLabels]) {
    assert.equal(labels.length, 10);
    assert.ok(labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 9));
  }
  assert.ok(Object.values(r.seconds).every((s) => s >= 0));

  // Recompute from a separate onnxruntime session with the slow reference implementations.
  const onnx = join(tmp, 'nd.onnx');
  await exportModel(runDir, onnx);
  const model = await openModel(onnx, { device: 'cpu' });
  const [test, train] = await Promise.all([readMnist('test'), readMnist('train')]);
  const testOut = await model.run(test.pixels.subarray(0, LIMIT * PIXELS), LIMIT);
  const fitOut = await model.run(train.pixels.subarray(0, LIMIT * PIXELS), LIMIT);
  await model.close();
  const testLabels = test.labels.subarray(0, LIMIT);
  const fitLabels = train.labels.subarray(0, LIMIT);
  const high = Float32Array.from(test.pixels.subarray(0, LIMIT * PIXELS), (p) => p / 127.5 - 1);
  assertClose([r.trustworthiness.value], [referenceTrustworthiness(high, PIXELS, testOut.point, 5)], { atol: 1e-9 }, 'trustworthiness');
  assertClose(
    [r.trustworthiness.withinClasses!],
    [referencePenaltyWithinLabels(high, PIXELS, testOut.point, 5, testLabels)],
    { atol: 1e-9 },
    'trustworthiness penalty within classes',
  );
  assertClose([r.silhouette!], [referenceSilhouette(testOut.point, testLabels)], { atol: 1e-9 }, 'silhouette');
  assert.equal(r.knn.k1, referenceKnnAccuracy(fitOut.point, fitLabels, testOut.point, testLabels, 1));
  assert.equal(r.knn.k5, referenceKnnAccuracy(fitOut.point, fitLabels, testOut.point, testLabels, 5));
  const directWrong = Array.from(testLabels).filter((l, i) => argmax(testOut.clusterProb, 10, i) !== l).length;
  assert.equal(c.direct!.error, directWrong / LIMIT);
  // Trained with labels, cluster k is class k.
  await checkHeadsAndClusters(r, onnx, test.pixels.subarray(0, LIMIT * PIXELS), testLabels, [...Array(10).keys()]);
  assert.match(res.stdout, /head distance \/ spacing, max\s+\d+\.\d{4} {2}\(class \d, head \d\)/);
  assert.match(res.stdout, /clusters \(test images by argmax y.*\): \d+ of 10 used/);
});

test('an unsupervised 2-D model with 20 clusters, given as --model with IDX files: no direct variant', async () => {
  const onnx = join(tmp, 'u20.onnx');
  await writeRandomCheckpoint(join(tmp, 'run-2d'), { mode: '2d', clusters: 20, seed: 4 });
  await exportModel(join(tmp, 'run-2d'), onnx);
  // A hand-made IDX pair: the first 40 MNIST test images, to exercise --data / --data-labels.
  const test = await readMnist('test');
  const n = 40;
  const header = (dims: number[]) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(0x0800 + dims.length, 0);
    dims.forEach((d, i) => {
      b.writeUInt32BE(d, 4 + 4 * i);
    });
    return b;
  };
  await writeFile(join(tmp, 'imgs.idx'), Buffer.concat([header([n, 28, 28]), test.pixels.subarray(0, n * PIXELS)]));
  await writeFile(join(tmp, 'labs.idx'), Buffer.concat([header([n]), test.labels.subarray(0, n)]));

  const res = await cli(['--model', onnx, '--data', 'imgs.idx', '--data-labels', 'labs.idx', '--train-limit', '200', '--no-progress']);
  assert.equal(res.code, 0, res.stderr);
  const r = JSON.parse(await readFile(join(tmp, 'u20.eval.json'), 'utf8')) as EvalReport;
  assert.deepEqual([r.model.source, r.model.clusters, r.model.mode, r.model.labelsUsed, r.model.epochs], ['model', 20, '2d', null, null]);
  assert.deepEqual([r.data.test.count, r.data.test.name, r.data.fit.count], [n, 'imgs.idx', 200]);
  assert.equal(r.classification.direct, null);
  assert.equal(r.classification.primary, 'mostConfident');
  assert.equal(r.classification.error, r.classification.mostConfident.error);
  assert.equal(r.classification.mostConfident.clusterLabels.length, 20);
  for (const v of [r.classification.error, r.classification.majority.error, r.knn.k1, r.knn.k5, r.trustworthiness.value])
    inUnit(v, 'metric');
  assert.doesNotMatch(res.stdout, /cluster k = class k/);
  // Unsupervised: each class is measured against the heads of the clusters the primary rule labels with it.
  await checkHeadsAndClusters(
    r,
    onnx,
    test.pixels.subarray(0, n * PIXELS),
    test.labels.subarray(0, n),
    r.classification.mostConfident.clusterLabels,
  );
});

test('bad input exits with code 2 and one line saying what to do', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--run', 'a', '--model', 'b.onnx'], /either --run DIR or --model FILE/],
    [['--model', 'missing.onnx'], /cannot read model missing\.onnx/],
    [['--run', join(tmp, 'run-nd'), '--data', 'imgs.idx'], /--data imgs\.idx needs its IDX labels: give --data-labels/],
    [['--run', join(tmp, 'run-nd'), '--limit', 'ten'], /--limit.*expected a whole number/],
    [['--run', join(tmp, 'run-nd'), '--limit', '8'], /needs more than 10 test images/],
    [[], /no runs\/ directory here/],
  ];
  for (const [args, message] of cases) {
    const res = await cli([...args, '--no-progress']);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  }
});
