/**
 * Independent check of the exported graph: its outputs for real MNIST test images must match a
 * plain float64 TypeScript forward pass over the checkpoint's weights (neither tfjs nor
 * onnxruntime). Tolerance: atol 1e-4, for float32 accumulation over 784-long dot products.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { openModel } from '@aae-map/infer';
import { type LabelledImages, type Manifest, type NamedTensors, readCheckpoint, readMnist } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { type RandomCheckpointOptions, writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const TOL = { atol: 1e-4 };
/** Spread over the test set, so that different digits come through. */
const PICKS = [0, 1, 2, 3, 4, 7, 11, 18, 61, 999, 4321, 9999];

let tmp: string;
let mnist: LabelledImages;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-independent-'));
  mnist = await readMnist('test');
});
after(() => rm(tmp, { recursive: true, force: true }));

/** y = x·W + b over rows of x (count x inputs); W is [inputs, outputs] row-major. */
function dense(x: Float64Array, count: number, w: Float32Array, b: Float32Array): Float64Array {
  const inputs = x.length / count;
  const outputs = b.length;
  const y = new Float64Array(count * outputs);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < outputs; j++) {
      let s = b[j]!;
      for (let i = 0; i < inputs; i++) s += x[r * inputs + i]! * w[i * outputs + j]!;
      y[r * outputs + j] = s;
    }
  }
  return y;
}

function softmaxRows(x: Float64Array, cols: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((p, v) => p + v, 0);
    e.forEach((v, j) => {
      y[r * cols + j] = v / sum;
    });
  }
  return y;
}

/** The model of docs/design.md, written out by hand from the checkpoint. */
function referenceForward(m: Manifest, w: NamedTensors, pixels: Uint8Array, count: number) {
  const a = m.architecture;
  let h = Float64Array.from(pixels, (p) => p * a.normalization.scale + a.normalization.offset);
  a.hidden.forEach((_, i) => {
    h = dense(h, count, w.get(`encoder/dense${i}/kernel`)!, w.get(`encoder/dense${i}/bias`)!).map((v) => Math.max(0, v));
  });
  const clusterProb = softmaxRows(dense(h, count, w.get('encoder/y/kernel')!, w.get('encoder/y/bias')!), a.clusters);
  const style = dense(h, count, w.get('encoder/z/kernel')!, w.get('encoder/z/bias')!);
  const representation = dense(clusterProb, count, w.get('heads')!, new Float32Array(a.styleDim)).map((v, i) => v + style[i]!);
  const projection = Float32Array.from(m.projection.flat());
  const point = dense(representation, count, projection, new Float32Array(2));
  return { clusterProb, style, representation, point };
}

/** MNIST test images PICKS, cropped to the top-left h x w when the model is smaller than 28 x 28. */
function pickImages(h: number, w: number): Uint8Array {
  const out = new Uint8Array(PICKS.length * h * w);
  PICKS.forEach((idx, k) => {
    for (let r = 0; r < h; r++) {
      const src = idx * mnist.height * mnist.width + r * mnist.width;
      out.set(mnist.pixels.subarray(src, src + w), (k * h + r) * w);
    }
  });
  return out;
}

const argmaxRows = (x: ArrayLike<number>, cols: number) =>
  Array.from({ length: x.length / cols }, (_, r) => {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[r * cols + j]! > x[r * cols + best]!) best = j;
    return best;
  });

const CASES: Array<[string, RandomCheckpointOptions]> = [
  ['n-D mode, 10 clusters', { mode: 'nd', hidden: [64, 32], seed: 3 }],
  ['2-D mode, 6 clusters', { mode: '2d', clusters: 6, hidden: [48, 24], seed: 4 }],
  ['one hidden layer, 20 x 24 input', { mode: 'nd', clusters: 4, hidden: [16], height: 20, width: 24, seed: 7 }],
];

for (const [name, opts] of CASES) {
  test(`exported graph matches a plain TypeScript forward pass: ${name}`, async () => {
    const run = join(tmp, name.replace(/\W+/g, '-'));
    await writeRandomCheckpoint(run, opts);
    const onnxFile = join(tmp, `${name.replace(/\W+/g, '-')}.onnx`);
    await exportModel(run, onnxFile);

    const { manifest, weights } = await readCheckpoint(run);
    const { inputHeight: h, inputWidth: w, clusters } = manifest.architecture;
    const images = pickImages(h, w);
    const model = await openModel(onnxFile, { device: 'cpu', threads: 1 });
    try {
      const got = await model.run(images, PICKS.length);
      const want = referenceForward(manifest, weights, images, PICKS.length);
      assertClose(got.clusterProb, want.clusterProb, TOL, 'cluster_prob');
      assertClose(got.style, want.style, TOL, 'style');
      assertClose(got.representation, want.representation, TOL, 'representation');
      assertClose(got.point, want.point, TOL, 'point');
      assert.deepEqual(argmaxRows(got.clusterProb, clusters), argmaxRows(want.clusterProb, clusters));
      // Guards against a vacuous pass: the images must not all land in one cluster or one point.
      assert.ok(new Set(argmaxRows(want.clusterProb, clusters)).size > 1, 'fixture gives every image the same cluster');
      assert.ok(new Set(Array.from(want.point, (v) => v.toFixed(3))).size > PICKS.length, 'points coincide');
    } finally {
      await model.close();
    }
  });
}
