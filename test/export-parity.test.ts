/**
 * Parity: a tiny model trained with tfjs, exported, and run in onnxruntime-node on 1,000 real
 * MNIST test images must match the tfjs forward pass of the same checkpoint: max |Δ| ≤ 1e-4 on
 * `point` and `representation`, 1e-5 on `cluster_prob`, and the same argmax cluster everywhere.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { openModel } from '@aae-map/infer';
import { readMnist } from '@aae-map/shared';
import { maxAbsDiff } from '@aae-map/shared/test-utils';
import { loadModel, train } from '@aae-map/train';

const COUNT = 1000;
let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-parity-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

const argmaxRows = (x: Float32Array, cols: number) =>
  Array.from({ length: x.length / cols }, (_, r) => {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[r * cols + j]! > x[r * cols + best]!) best = j;
    return best;
  });

for (const [mode, styleDim] of [
  ['n-D', 10],
  ['2-D', 2],
] as const) {
  test(`${mode} mode: the exported graph matches the tfjs forward pass of a freshly trained checkpoint`, async () => {
    const runDir = join(tmp, `run-${styleDim}`);
    await train({
      runDir,
      epochs: 1,
      trainLimit: 3000,
      testLimit: 200,
      labels: 100,
      styleDim,
      hidden: [64, 64],
      backend: 'wasm',
      progress: false,
      log: () => {},
    });
    const onnxFile = join(tmp, `model-${styleDim}.onnx`);
    await exportModel(runDir, onnxFile);

    const images = (await readMnist('test')).pixels.subarray(0, COUNT * 28 * 28);
    const tfjs = await loadModel(runDir);
    const ort = await openModel(onnxFile, { device: 'cpu' });
    try {
      const want = await tfjs.encode(images, COUNT);
      const got = await ort.run(images, COUNT);
      for (const [name, tol] of [
        ['point', 1e-4],
        ['representation', 1e-4],
        ['clusterProb', 1e-5],
        ['style', 1e-4],
      ] as const) {
        const d = maxAbsDiff(got[name], want[name]);
        assert.ok(d <= tol, `${name}: max |onnx - tfjs| = ${d} > ${tol}`);
      }
      const n = tfjs.manifest.architecture.clusters;
      assert.deepEqual(argmaxRows(got.clusterProb, n), argmaxRows(want.clusterProb, n), 'argmax cluster per image');
      // A model that sends everything to one cluster would pass the argmax check vacuously.
      assert.ok(new Set(argmaxRows(want.clusterProb, n)).size >= 3, 'the trained model uses several clusters');
    } finally {
      tfjs.dispose();
      await ort.close();
    }
  });
}
