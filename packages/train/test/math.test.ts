import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelWeightShapes } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { adamRange, simdAdamRange } from '../src/kernels/simd-adam.ts';
import { Adam } from '../src/model/adam.ts';
import { type Activation, denseT, NO_GRADS, naiveDense } from '../src/model/dense.ts';
import { encodeImages } from '../src/model/encode-images.ts';
import { headPenalty } from '../src/model/head-penalty.ts';
import { initialWeights, TfWeights } from '../src/model/model.ts';
import { circlePoints, fitProjection, headRows, projectionFor } from '../src/model/projection.ts';
import { Rng } from '../src/rng.ts';
import { learningRate } from '../src/run/schedule.ts';
import { SharedArena } from '../src/step/shared-arena.ts';

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
  const heads = [
    [1, 2],
    [3, -4],
    [0.5, 0],
  ];
  const { projection, heads2d } = projectionFor('2d', heads, 10);
  assert.deepEqual(projection, [
    [1, 0],
    [0, 1],
  ]);
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
  hidden.forEach((size, i) => {
    h = layer(`encoder/dense${i}`, h, size, true);
  });
  const logits = layer('encoder/y', h, n, false);
  const mx = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - mx));
  const sum = e.reduce((a, b) => a + b);
  return { y: e.map((v) => v / sum), z: layer('encoder/z', h, d, false) };
}

for (const mode of ['nd', '2d'] as const) {
  test(`${mode} mode: encodeImages gives y, z, r = y·W_c + z and point = r·P as an independent float64 computation`, async () => {
    const n = 4;
    const d = mode === 'nd' ? 4 : 2;
    const a = {
      inputHeight: 3,
      inputWidth: 2,
      channels: 1,
      hidden: [5, 6],
      clusters: n,
      styleDim: d,
      mode,
      headScale: 10,
      normalization: { scale: 1 / 127.5, offset: -1 },
    };
    const flat = initialWeights(a, new Rng(11), 3);
    const rng = new Rng(12);
    for (const name of flat.names) if (name.endsWith('/bias')) rng.fillNormal(flat.view(name), 0.5);
    const W = headRows(flat.view('heads'), n, d);
    const { projection } = projectionFor(mode, W, 10);
    const pixels = Uint8Array.from({ length: 7 * 6 }, () => rng.int(256));
    const tfw = new TfWeights();
    tfw.upload(flat);
    const before = tf.memory().numTensors;
    const out = await encodeImages(tfw.tensors, a, projection, pixels, 7, 3);
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
    assert.deepEqual(
      flat.names,
      modelWeightShapes(a).map(([name]) => name),
      'weights follow Contract 1 order',
    );
  });
}

const activations: Activation[] = ['relu', 'tanh', 'linear'];
for (const act of activations) {
  test(`feature-major custom dense gradient equals tfjs's default gradient of the batch-major layer: ${act}`, () => {
    const rng = new Rng(5);
    const t = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
    const [x, w, b, r] = [t([6, 5]), t([5, 4]), t([4]), t([6, 4])] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    // The custom layer works on xᵀ and returns yᵀ; the loss compares in batch-major layout.
    const custom = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor, needs: { input: boolean; weights: boolean }) =>
      tf.sum(
        tf.mul(tf.transpose(denseT(tf.transpose(xx as tf.Tensor2D), ww as tf.Tensor2D, bb as tf.Tensor1D, act, needs)), r),
      ) as tf.Scalar;
    const naive = tf.grads(
      (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(naiveDense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act), r)) as tf.Scalar,
    )([x, w, b]);
    const both = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => custom(xx, ww, bb, { input: true, weights: true }))([x, w, b]);
    both.forEach((g, i) => {
      assertClose(g.dataSync(), naive[i]!.dataSync(), { atol: 1e-5 }, ['dx', 'dW', 'db'][i]);
    });
    // Only the weights' gradients: the input is a constant then.
    const onlyW = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => custom(x, ww, bb, { input: false, weights: true }))([w, b]);
    assertClose(onlyW[0]!.dataSync(), naive[1]!.dataSync(), { atol: 1e-5 }, 'dW (weights only)');
    assertClose(onlyW[1]!.dataSync(), naive[2]!.dataSync(), { atol: 1e-5 }, 'db (weights only)');
    const onlyX = tf.grad((xx: tf.Tensor) => custom(xx, w, b, { input: true, weights: false }))(x);
    assertClose(onlyX.dataSync(), naive[0]!.dataSync(), { atol: 1e-5 }, 'dx (input only)');
    const value = tf.transpose(denseT(tf.transpose(x), w, b, act, NO_GRADS));
    assertClose(value.dataSync(), naiveDense(x, w, b, act).dataSync(), { atol: 1e-5 }, 'forward only');
    tf.dispose([x, w, b, r, value, ...both, ...naive, ...onlyW, onlyX]);
  });
}

test('the SIMD Adam kernel equals the float32 JS update bit for bit, on whole and odd ranges', () => {
  const rng = new Rng(11);
  const n = 1003;
  const arena = SharedArena.create(SharedArena.bytesFor(Array(5).fill(n)));
  const arrays = Array.from({ length: 5 }, () => rng.fillNormal(arena.tensors([['w', [n]]]).data, 0.1)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  // The second moment v is never negative.
  arrays[4].forEach((x, i) => {
    arrays[4][i] = x * x;
  });
  const copies = arrays.map((a) => a.slice()) as typeof arrays;
  const s = { wa: 0.4, wb: 0.6, b1: 0.5, b2: 0.999, stepSize: 1e-3 / (1 - 0.5), vScale: 1 / Math.sqrt(1 - 0.999), eps: 1e-8 };
  for (const [from, to] of [
    [0, n],
    [5, 998],
    [7, 9],
  ] as const) {
    assert.ok(simdAdamRange(...arrays, from, to, s), 'the kernel runs on arena memory');
    adamRange(...copies, from, to, s);
    ['p', 'ga', 'gb', 'm', 'v'].forEach((name, k) => {
      assert.deepEqual([...arrays[k]!], [...copies[k]!], `${name} after [${from}, ${to})`);
    });
  }
  assert.equal(simdAdamRange(...copies, 0, n, s), false, 'plain arrays are left to the JS update');
});

test('JS Adam matches tf.train.adam over several steps, and a step split in two ranges equals one whole step', () => {
  const rng = new Rng(9);
  const specs: Array<[string, number[]]> = [
    ['a', [3, 4]],
    ['b', [5]],
  ];
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
  specs.forEach(([n], i) => {
    assertClose(params.view(n), vars[i]!.dataSync(), { atol: 1e-6 }, `param ${n}`);
  });
  assert.deepEqual([...splitParams.data], [...params.data]);
  assert.equal(split.t, 4);
  tf.dispose(vars);
  ref.dispose();
});

test('Adam averages four weighted gradient sources: the same bits with the SIMD kernels on arena memory as in JS, split in ranges or whole, and the float64 update within rounding', () => {
  const specs: Array<[string, number[]]> = [
    ['a', [7, 9]],
    ['b', [5]],
  ];
  const n = FlatTensors.floats(specs);
  const weights = [0.1, 0.2, 0.3, 0.4];
  const cfg = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
  const arena = SharedArena.create(SharedArena.bytesFor(Array(7).fill(n)));
  const run = (place: () => FlatTensors, ranges: Array<[number, number]>) => {
    const rng = new Rng(3);
    const params = place();
    rng.fillNormal(params.data);
    const sources = weights.map((weight) => ({ grads: place(), weight }));
    for (const s of sources) rng.fillNormal(s.grads.data);
    const expected = Float64Array.from(params.data, (p, i) => {
      const g = sources.reduce((sum, s) => sum + s.weight * s.grads.data[i]!, 0);
      return p - (0.01 * (0.5 * g)) / (1 - 0.5) / (Math.sqrt(0.001 * g * g) / Math.sqrt(1 - 0.999) + 1e-8);
    });
    const adam = new Adam(specs, cfg, { m: place(), v: place() });
    for (const [from, to] of ranges) adam.step(params, sources, 0.01, { from, to }, 1);
    return { params: params.data, expected };
  };
  const js = run(() => new FlatTensors(specs), [[0, n]]);
  const simd = run(
    () => arena.tensors(specs),
    [
      [0, 13],
      [13, 41],
      [41, n],
    ],
  );
  assert.deepEqual([...simd.params], [...js.params], 'SIMD in three ranges vs JS whole');
  assertClose(js.params, js.expected, { atol: 1e-6 }, 'float64 update');
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
  assert.deepEqual(
    Array.from({ length: 5 }, () => b.normal()),
    xs,
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => new Rng(43).float()),
    Array.from({ length: 5 }, () => new Rng(42).float()),
  );
});

test('head penalty: Σ relu(η − ‖h_i − h_j‖) and its gradient match the formula', () => {
  const heads = [
    [0, 0],
    [1, 0],
    [5, 5],
    [5, 6.5],
  ];
  const eta = 2;
  const h = tf.tensor2d(heads);
  const value = headPenalty(h, eta).dataSync()[0]!;
  // Active pairs: (0,1) at distance 1 and (2,3) at 1.5.
  assertClose([value], [2 - 1 + (2 - 1.5)], { atol: 1e-6 });
  const grad = tf
    .grad((x: tf.Tensor) => headPenalty(x as tf.Tensor2D, eta))(h)
    .arraySync() as number[][];
  // d/dh_i relu(η − d_ij) = −(h_i − h_j)/d_ij for an active pair.
  assertClose(grad.flat(), [1, 0, -1, 0, 0, 1, 0, -1], { atol: 1e-6 }, 'gradient');
  tf.dispose([h]);
});

test('2-D mode starts with its heads on a circle, every pair at least η apart and neighbours exactly η', () => {
  for (const [n, eta] of [
    [10, 3],
    [20, 6],
    [2, 4],
  ] as const) {
    const a = {
      inputHeight: 2,
      inputWidth: 2,
      channels: 1,
      hidden: [3],
      clusters: n,
      styleDim: 2,
      mode: '2d' as const,
      headScale: 10,
      normalization: { scale: 1 / 127.5, offset: -1 },
    };
    const W = headRows(initialWeights(a, new Rng(5), eta).view('heads'), n, 2);
    const dist = (i: number, j: number) => Math.hypot(W[i]![0]! - W[j]![0]!, W[i]![1]! - W[j]![1]!);
    for (let i = 0; i < n; i++) {
      assert.ok(
        Math.abs(dist(i, (i + 1) % n) - eta) < 1e-5,
        `n ${n}: neighbours ${i}, ${(i + 1) % n} are ${dist(i, (i + 1) % n)} apart, want ${eta}`,
      );
      for (let j = i + 1; j < n; j++) assert.ok(dist(i, j) >= eta - 1e-5, `n ${n}: heads ${i}, ${j} only ${dist(i, j)} apart`);
    }
  }
});
