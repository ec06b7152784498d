/**
 * onnxruntime-web (wasm, in Node) runs the exported file, declares the documented input/output
 * types and shapes, and matches onnxruntime-node on 512 MNIST test images (tolerances at TOL).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { openModel } from '@aae-map/infer';
import { INPUT_NAME, OUTPUT_NAMES, readMnist } from '@aae-map/shared';
import { maxAbsDiff } from '@aae-map/shared/test-utils';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';
import { loadOrtWeb } from './ort-web.ts';

const COUNT = 512;
/**
 * 1e-5 on the unit-scale outputs. representation = 10·cluster_prob + style, and point sums ten
 * such terms, so their float32 rounding differences between the two runtimes' softmax and GEMM
 * kernels come out ~10x larger (measured: cluster_prob 7.7e-7, representation 7.6e-6, point 1.2e-5).
 */
const TOL = { cluster_prob: 1e-5, style: 1e-5, representation: 1e-4, point: 1e-4 };
let tmp: string;
let onnxFile: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-web-'));
  await writeRandomCheckpoint(join(tmp, 'run'), { hidden: [128, 64], seed: 11 });
  onnxFile = join(tmp, 'model.onnx');
  await exportModel(join(tmp, 'run'), onnxFile);
});
after(() => rm(tmp, { recursive: true, force: true }));

test('onnxruntime-web (wasm) runs the graph and matches onnxruntime-node', async () => {
  const ort = await loadOrtWeb();
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(new Uint8Array(await readFile(onnxFile)), { executionProviders: ['wasm'] });
  const mnist = await readMnist('test');
  const images = mnist.pixels.subarray(0, COUNT * 28 * 28);
  const node = await openModel(onnxFile, { device: 'cpu' });
  try {
    assert.deepEqual(session.inputNames, [INPUT_NAME]);
    assert.deepEqual(session.outputNames, [...OUTPUT_NAMES]);
    assert.deepEqual(
      session.inputMetadata.map((m) => [m.name, m.type, m.shape]),
      [[INPUT_NAME, 'uint8', ['N', 28, 28]]],
    );
    assert.deepEqual(
      session.outputMetadata.map((m) => [m.name, m.type, m.shape]),
      [
        ['point', 'float32', ['N', 2]],
        ['cluster_prob', 'float32', ['N', 10]],
        ['style', 'float32', ['N', 10]],
        ['representation', 'float32', ['N', 10]],
      ],
    );

    const web = await session.run({ [INPUT_NAME]: new ort.Tensor('uint8', images, [COUNT, 28, 28]) });
    const ref = await node.run(images, COUNT);
    const pairs = { point: ref.point, cluster_prob: ref.clusterProb, style: ref.style, representation: ref.representation };
    for (const [name, expected] of Object.entries(pairs)) {
      assert.equal(web[name]!.dims[0], COUNT);
      const d = maxAbsDiff(web[name]!.data, expected);
      const tol = TOL[name as keyof typeof TOL];
      assert.ok(d <= tol, `${name}: max |web - node| = ${d} > ${tol}`);
    }
  } finally {
    await node.close();
    await session.release();
  }
});
