import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { modelWeightShapes } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { selectBackend } from '@aae-map/train';
import { Adam } from '../src/adam.ts';
import { dense, type Activation } from '../src/dense.ts';
import { encodeImages } from '../src/encode-images.ts';
import { FlatTensors } from '../src/flat-tensors.ts';
import { initialWeights, TfWeights } from '../src/model.ts';
import { circlePoints, fitProjection, headRows, projectionFor } from '../src/projection.ts';
import { Rng } from '../src/rng.ts';
import { headPenalty } from '../src/phases.ts';
import { learningRate } from '../src/schedule.ts';

await selectBackend('wasm');

const matmul = (a: number[][], b: number[][]) => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

test('n-D mode: the fitted P puts the heads 10·e_k exactly on a circle, evenly spaced', () => {
  const n = 10;
  const heads = Array.from({ length: n }, (_, k) => Array.from({ length: n }, (_, j) => (j === k ? 10 : 0)));
  const { projection, heads2d } = projectionFor('nd', heads, 10);
  assert.equal(projection.length, n);
  heads2d.forEach(([x, y], k) => {
    assertClose([Math.hypot(x!, y!)], [10], { atol: 1e-5 }, `radius of head ${k}`);
    const theta = Math.PI / 2 - (2 * Math.PI * k) / n;
    assertClose([x!, y!], [10 * Math.cos(theta), 10 * Math.sin(theta)], { atol: 1e-5 }, `head ${k}`);
  });
  // Neighbouring heads are all the same distance apart.
  const gaps = heads2d.map((h, k) => Math.hypot(h[0]! - heads2d[(k + 1) % n]![0]!, h[1]! - heads2d[(k + 1) % n]![1]!));
  assertClose(gaps, new Array(n).fill(2 * 10 * Math.sin(Math.PI / n)), { atol: 1e-5 }, 'gaps');
});

test('least-squares P is exact for any full-rank heads with n <= d, and satisfies the normal equations when n > d', () => {
  const rng = new Rng(3);
  const H = Array.from({ length: 5 }, () => Array.from({ length: 7 }, () => rng.normal()));
  const C = circlePoints(5, 4);
  assertClose(matmul(H, fitProjection(H, C)).flat(), C.flat(), { atol: 1e-9 }, 'H·P');
  const tall = Array.from({ length: 8 }, () => Array.from({ length: 3 }, () => rng.normal()));
  const C8 = circlePoints(8, 1);
  const P = fitProjection(tall, C8);
  const resid = matmul(tall, P).map((row, i) => row.map((v, j) => v - C8[i]![j]!));
  const ht = tall[0]!.map((_, j) => tall.map((r) => r[j]!));
  assertClose(matmul(ht, resid).flat(), new Array(6).fill(0), { atol: 1e-9 }, 'Hᵀ(HP − C)');
});

test('2-D mode: P is the identity and heads2d are the learned heads', () => {
  const heads = [[1, 2], [3, -4], [0.5, 0]];
  const { projection, heads2d } = projectionFor('2d', heads, 10);
  assert.deepEqual(projection, [[1, 0], [0, 1]]);
  assert.deepEqual(heads2d, heads);
});

/** Independent float64 forward pass of the encoder, straight from the Contract 1 weights. */
function referenceEncode(w: FlatTensors, hidden: number[], n: number, d: number, x: number[]): { y: number[]; z: number[] } {
  const layer = (name: string, inp: number[], out: number, relu: boolean) => {
    const k = w.view(`${name}/kernel`);
    const b = w.view(`${name}/bias`);
    return Array.from({ length: out }, (_, j) => {
      let s = b[j]!;
      for (let i = 0; i < inp.length; i++) s += inp[i]! * k[i * out + j]!;
      return relu ? Math.max(0, s) : s;
    });
  };
  let h = x;
  hidden.forEach((size, i) => (h = layer(`encoder/dense${i}`, h, size, true)));
  const logits = layer('encoder/y', h, n, false);
  const mx = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - mx));
  const sum = e.reduce((a, b) => a + b);
  return { y: e.map((v) => v / sum), z: layer('encoder/z', h, d, false) };
}

for (const mode of ['nd', '2d'] as const) {
  test(`${mode} mode: encodeImages gives y, z, r = y·W_c + z and point = r·P as an independent float64 computation`, () => {
    const n = 4;
    const d = mode === 'nd' ? 4 : 2;
    const a = { inputHeight: 3, inputWidth: 2, channels: 1, hidden: [5, 6], clusters: n, styleDim: d, mode, headScale: 10, normalization: { scale: 1 / 127.5, offset: -1 } };
    const flat = initialWeights(a, new Rng(11), 3);
    const rng = new Rng(12);
    for (const name of flat.names) if (name.endsWith('/bias')) rng.fillNormal(flat.view(name), 0.5);
    const W = headRows(flat.view('heads'), n, d);
    const { projection } = projectionFor(mode, W, 10);
    const pixels = Uint8Array.from({ length: 7 * 6 }, () => rng.int(256));
    const tfw = new TfWeights();
    tfw.upload(flat);
    const before = tf.memory().numTensors;
    const out = encodeImages(tfw.tensors, a, projection, pixels, 7, 3);
    assert.equal(tf.memory().numTensors, before, 'encodeImages leaks no tensors');
    tfw.dispose();
    for (let i = 0; i < 7; i++) {
      const x = Array.from(pixels.subarray(i * 6, i * 6 + 6), (p) => p / 127.5 - 1);
      const { y, z } = referenceEncode(flat, a.hidden, n, d, x);
      const r = z.map((zj, j) => zj + y.reduce((s, yk, k) => s + yk * W[k]![j]!, 0));
      const point = [0, 1].map((c) => r.reduce((s, rj, j) => s + rj * projection[j]![c]!, 0));
      assertClose(out.clusterProb.subarray(i * n, (i + 1) * n), y, { atol: 1e-5 }, `y[${i}]`);
      assertClose(out.style.subarray(i * d, (i + 1) * d), z, { atol: 1e-5 }, `z[${i}]`);
      assertClose(out.representation.subarray(i * d, (i + 1) * d), r, { atol: 1e-5 }, `r[${i}]`);
      assertClose(out.point.subarray(i * 2, i * 2 + 2), point, { atol: 1e-5 }, `point[${i}]`);
    }
    assert.deepEqual(flat.names, modelWeightShapes(a).map(([name]) => name), 'weights follow Contract 1 order');
  });
}

const activations: Activation[] = ['relu', 'tanh', 'linear'];
for (const act of activations) {
  test(`custom dense gradient (explicit transposes) equals tfjs's default gradient: ${act}`, () => {
    const rng = new Rng(5);
    const t = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
    const [x, w, b, r] = [t([6, 5]), t([5, 4]), t([4]), t([6, 4])] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    const loss = (impl: 'custom' | 'naive') => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act, { input: true, weights: true }, impl), r)) as tf.Scalar;
    const custom = tf.grads(loss('custom'))([x, w, b]);
    const naive = tf.grads(loss('naive'))([x, w, b]);
    custom.forEach((g, i) => assertClose(g.dataSync(), naive[i]!.dataSync(), { atol: 1e-5 }, ['dx', 'dW', 'db'][i]));
    // Only the weights' gradients: the input is a constant then.
    const onlyW = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(dense(x, ww as tf.Tensor2D, bb as tf.Tensor1D, act, { input: false, weights: true }, 'custom'), r)) as tf.Scalar)([w, b]);
    assertClose(onlyW[0]!.dataSync(), naive[1]!.dataSync(), { atol: 1e-5 }, 'dW (weights only)');
    const onlyX = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(dense(xx as tf.Tensor2D, w, b, act, { input: true, weights: false }, 'custom'), r)) as tf.Scalar)(x);
    assertClose(onlyX.dataSync(), naive[0]!.dataSync(), { atol: 1e-5 }, 'dx (input only)');
    tf.dispose([x, w, b, r, ...custom, ...naive, ...onlyW, onlyX]);
  });
}

test('JS Adam matches tf.train.adam over several steps, and a step split in two ranges equals one whole step', () => {
  const rng = new Rng(9);
  const specs: Array<[string, number[]]> = [['a', [3, 4]], ['b', [5]]];
  const params = new FlatTensors(specs);
  rng.fillNormal(params.data);
  const vars = specs.map(([n, s]) => tf.variable(tf.tensor(params.view(n).slice(), s), true, `adam-test-${n}`));
  const cfg = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
  const mine = new Adam(specs, cfg);
  const split = new Adam(specs, cfg);
  const splitParams = new FlatTensors(specs);
  splitParams.data.set(params.data);
  const ref = tf.train.adam(0.01, cfg.beta1, cfg.beta2, cfg.epsilon);
  for (let step = 0; step < 4; step++) {
    const grads = new FlatTensors(specs);
    rng.fillNormal(grads.data);
    mine.step(params, grads, 0.01);
    split.step(splitParams, grads, 0.01, { from: 0, to: 7 }, split.t + 1);
    split.step(splitParams, grads, 0.01, { from: 7, to: 17 }, split.t);
    ref.applyGradients(specs.map(([n, s], i) => ({ name: vars[i]!.name, tensor: tf.tensor(grads.view(n).slice(), s) })));
  }
  specs.forEach(([n], i) => assertClose(params.view(n), vars[i]!.dataSync(), { atol: 1e-6 }, `param ${n}`));
  assert.deepEqual([...splitParams.data], [...params.data]);
  assert.equal(split.t, 4);
  tf.dispose(vars);
  ref.dispose();
});

test('learning-rate schedule: starts at lr, ends at lr·final, decreases every step', () => {
  const lrs = Array.from({ length: 50 }, (_, s) => learningRate(s, 50, 0.001, 0.05));
  assertClose([lrs[0]!, lrs[49]!], [0.001, 0.00005], { atol: 1e-12 });
  for (let i = 1; i < lrs.length; i++) assert.ok(lrs[i]! < lrs[i - 1]!, `lr rises at step ${i}`);
});

test('Rng is reproducible from a seed and from a saved state', () => {
  const a = new Rng(42);
  a.uint32();
  const b = new Rng(a.state());
  const xs = Array.from({ length: 5 }, () => a.normal());
  assert.deepEqual(Array.from({ length: 5 }, () => b.normal()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => new Rng(43).float()), Array.from({ length: 5 }, () => new Rng(42).float()));
});

test('head penalty: Σ relu(η − ‖h_i − h_j‖) and its gradient match the formula', () => {
  const heads = [[0, 0], [1, 0], [5, 5], [5, 6.5]];
  const eta = 2;
  const h = tf.tensor2d(heads);
  const value = headPenalty(h, eta).dataSync()[0]!;
  // Active pairs: (0,1) at distance 1 and (2,3) at 1.5.
  assertClose([value], [(2 - 1) + (2 - 1.5)], { atol: 1e-6 });
  const grad = tf.grad((x: tf.Tensor) => headPenalty(x as tf.Tensor2D, eta))(h).arraySync() as number[][];
  // d/dh_i relu(η − d_ij) = −(h_i − h_j)/d_ij for an active pair.
  assertClose(grad.flat(), [1, 0, -1, 0, 0, 1, 0, -1], { atol: 1e-6 }, 'gradient');
  tf.dispose([h]);
});

test('2-D mode starts with its heads on a circle, every pair at least η apart and neighbours exactly η', () => {
  for (const [n, eta] of [[10, 3], [20, 6], [2, 4]] as const) {
    const a = { inputHeight: 2, inputWidth: 2, channels: 1, hidden: [3], clusters: n, styleDim: 2, mode: '2d' as const, headScale: 10, normalization: { scale: 1 / 127.5, offset: -1 } };
    const W = headRows(initialWeights(a, new Rng(5), eta).view('heads'), n, 2);
    const dist = (i: number, j: number) => Math.hypot(W[i]![0]! - W[j]![0]!, W[i]![1]! - W[j]![1]!);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(dist(i, (i + 1) % n) - eta) < 1e-5, `n ${n}: neighbours ${i}, ${(i + 1) % n} are ${dist(i, (i + 1) % n)} apart, want ${eta}`);
      for (let j = i + 1; j < n; j++) assert.ok(dist(i, j) >= eta - 1e-5, `n ${n}: heads ${i}, ${j} only ${dist(i, j)} apart`);
    }
  }
});
