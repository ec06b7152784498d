/**
 * The exported file in onnxruntime-node (through infer's openModel): it loads, keeps its metadata,
 * and runs batches of 1 and 4,096 real MNIST test images with consistent results.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { CPU_CHUNK, openModel } from '@aae-map/infer';
import { type LabelledImages, type Manifest, readMnist } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const PIXELS = 28 * 28;
let tmp: string;
let onnxFile: string;
let manifest: Manifest;
let mnist: LabelledImages;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-structure-'));
  ({ manifest } = await writeRandomCheckpoint(join(tmp, 'run'), { mode: '2d', clusters: 10, hidden: [64, 32], seed: 2 }));
  onnxFile = join(tmp, 'model.onnx');
  await exportModel(join(tmp, 'run'), onnxFile);
  mnist = await readMnist('test');
});
after(() => rm(tmp, { recursive: true, force: true }));

test('onnxruntime-node loads it and reads back the metadata the manifest implies', async () => {
  const model = await openModel(onnxFile, { device: 'cpu' });
  try {
    assert.equal(model.provider, 'cpu');
    const { heads2d, ...rest } = model.info;
    assert.deepEqual(rest, {
      version: '1',
      inputKind: 'image',
      height: 28,
      width: 28,
      channels: 1,
      classNames: manifest.classNames,
      clusters: 10,
      styleDim: 2,
      mode: '2d',
      dataset: manifest.dataset,
    });
    assertClose(heads2d.flat(), manifest.heads2d.flat(), { atol: 1e-6 }, 'heads_2d');
  } finally {
    await model.close();
  }
});

test('batch sizes 1 and 4096 give float32 outputs of the documented shapes, and agree row by row', async () => {
  const model = await openModel(onnxFile, { device: 'cpu', threads: 1 });
  try {
    const big = await model.run(mnist.pixels.subarray(0, 4096 * PIXELS), 4096);
    const shapes = { point: 2, clusterProb: 10, style: 2, representation: 2 } as const;
    for (const [name, cols] of Object.entries(shapes) as Array<[keyof typeof shapes, number]>) {
      assert.ok(big[name] instanceof Float32Array, `${name} is float32`);
      assert.equal(big[name].length, 4096 * cols, `${name} is [4096, ${cols}]`);
      assert.ok(big[name].every(Number.isFinite), `${name} is finite`);
    }
    for (let r = 0; r < 4096; r++) {
      const sum = big.clusterProb.subarray(r * 10, r * 10 + 10).reduce((p, v) => p + v, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `cluster_prob row ${r} sums to ${sum}`);
    }
    // On cpu a batch runs in chunks of CPU_CHUNK: rows on both sides of each seam, and the last.
    const rows = [0, 1, CPU_CHUNK - 1, CPU_CHUNK, 5 * CPU_CHUNK + 7, 4095];
    for (const i of rows) {
      const one = await model.run(mnist.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), 1);
      for (const [name, cols] of Object.entries(shapes) as Array<[keyof typeof shapes, number]>) {
        assertClose(one[name], big[name].subarray(i * cols, (i + 1) * cols), { atol: 1e-6 }, `${name} of image ${i}`);
      }
    }
    // 2-D mode: P = I, so the point is the representation itself.
    assertClose(big.point, big.representation, { atol: 1e-6 }, 'point vs representation');
  } finally {
    await model.close();
  }
});
