import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { fusedMultiplyAdd, GemmKernels, scratchBytes } from '../src/kernels/simd-gemm.ts';
import { matMul2d } from '../src/kernels/wasm-matmul.ts';
import { Rng } from '../src/rng.ts';
import { assertProduct, matMul2dBothWays, random, SHAPES, transposed } from './gemm-reference.ts';

await selectBackend('wasm');

for (const [fused, transposeA] of [
  [true, false],
  [false, false],
  [true, true],
  [false, true],
]) {
  const what = `${fused ? 'fused multiply-add' : 'multiply, add'}${transposeA ? ', A stored transposed' : ''}`;
  test(`SIMD gemm (${what}) equals a float64 product on ${SHAPES.length} shapes and writes nothing outside C and its scratch`, () => {
    const memory = new WebAssembly.Memory({ initial: 160 });
    // The fused kernels need relaxed SIMD, which fusedMultiplyAdd() turns on in Node 20.
    const kernels = new GemmKernels(memory, fused && fusedMultiplyAdd());
    assert.equal(kernels.fused, fused, 'relaxed SIMD compiles on this Node');
    const f32 = new Float32Array(memory.buffer);
    const rng = new Rng(7);
    const GUARD = 64; // floats of sentinel on each side of C
    for (const [m, k, n] of SHAPES) {
      const [aAt, bAt] = [0, m * k];
      const cAt = bAt + k * n + GUARD;
      const a = random(rng, m * k);
      const b = random(rng, k * n);
      const stored = transposeA ? transposed(a, m, k) : a;
      f32.set(stored, aAt);
      f32.set(b, bAt);
      const sAt = cAt + m * n + GUARD;
      const shape = { m, k, n, transposeA };
      const sEnd = sAt + scratchBytes(shape) / 4;
      f32.fill(12345, cAt - GUARD, sEnd + GUARD);
      assert.ok(kernels.run(shape, 4 * aAt, 4 * bAt, 4 * cAt, 4 * sAt), `kernel for ${m}×${k}×${n}`);
      assertProduct(f32.slice(cAt, cAt + m * n), a, b, m, k, n, `${m}×${k}·${k}×${n}`);
      if (transposeA) {
        const plain = f32.slice(cAt, cAt + m * n);
        f32.set(a, aAt);
        kernels.run({ m, k, n }, 4 * aAt, 4 * bAt, 4 * cAt, 4 * sAt);
        assert.deepEqual(plain, f32.slice(cAt, cAt + m * n), `${m}×${k}×${n}: the same bits as from an untransposed A`);
        f32.set(stored, aAt);
      }
      const around = [...f32.subarray(cAt - GUARD, cAt), ...f32.subarray(cAt + m * n, sAt), ...f32.subarray(sEnd, sEnd + GUARD)];
      assert.ok(
        around.every((v) => v === 12345),
        `${m}×${k}×${n} wrote outside C and its scratch`,
      );
      assert.deepEqual([f32.slice(aAt, aAt + m * k), f32.slice(bAt, bAt + k * n)], [stored, b], `${m}×${k}×${n} changed A or B`);
    }
  });
}

test('fused multiply-add compiles on this Node (relaxed SIMD), and the gemm refuses a B (or a transposed A) whose last row ends at the memory end', () => {
  assert.equal(fusedMultiplyAdd(), true);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const kernels = new GemmKernels(memory);
  const end = memory.buffer.byteLength;
  assert.equal(kernels.run({ m: 2, k: 2, n: 3 }, 0, end - 4 * 6, 64, 128), false);
  assert.equal(kernels.run({ m: 2, k: 2, n: 3 }, 0, end - 4 * 6 - 16, 64, 128), true);
  // A transposed A is read in 64-byte lines, up to 15 floats past its last row.
  assert.equal(kernels.run({ m: 2, k: 2, n: 3, transposeA: true }, end - 4 * 4 - 48, 0, 64, 128), false);
  assert.equal(kernels.run({ m: 2, k: 2, n: 3, transposeA: true }, end - 4 * 4 - 64, 0, 64, 128), true);
});

test("matMul2d on tfjs-wasm equals a float64 product (A plain or stored transposed), and its gradient under a tape equals tf.matMul's", () => {
  const rng = new Rng(3);
  for (const [m, k, n] of [
    [37, 29, 50],
    [1000, 20, 100],
    [3, 5, 2],
  ] as const) {
    const { a, b, plain: c, stored: cT } = matMul2dBothWays(rng, m, k, n);
    assertProduct(c, a, b, m, k, n, `matMul2d ${m}×${k}×${n}`);
    assert.deepEqual(cT, c, `matMul2d ${m}×${k}×${n} with A stored transposed: the same bits`);
  }
  for (const transposeA of [false, true]) {
    const [a, b, w] = [
      tf.tensor2d(random(rng, 12), transposeA ? [4, 3] : [3, 4]),
      tf.tensor2d(random(rng, 20), [4, 5]),
      tf.tensor2d(random(rng, 15), [3, 5]),
    ];
    const loss = (mm: typeof matMul2d) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(mm(x as tf.Tensor2D, y as tf.Tensor2D, transposeA), w));
    const ours = tf.grads(loss(matMul2d))([a, b]);
    const theirs = tf.grads(loss((x, y, t) => tf.matMul(x, y, t)))([a, b]);
    ours.forEach((g, i) => {
      const [x, y] = [g.dataSync(), theirs[i]!.dataSync()];
      x.forEach((v, j) => {
        assert.ok(
          Math.abs(v - y[j]!) <= 1e-5 * (1 + Math.abs(y[j]!)),
          `gradient ${i} element ${j} (transposeA ${transposeA}): ${v} vs ${y[j]}`,
        );
      });
    });
  }
});
