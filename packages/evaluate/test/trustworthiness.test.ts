import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { penaltyWithinLabels, trustworthiness, trustworthinessParts } from '../src/metrics/trustworthiness.ts';
import { referencePenaltyWithinLabels, referenceTrustworthiness } from './reference-metrics.ts';
import { seeded, sineData } from './test-data.ts';

test('a hand-computed 5-point case matches the formula', () => {
  // Input space is 1-D: x = 0, 1, 3, 7, 15. The map puts the points at 0, 10, 1, 2.5, 6 on a line.
  // With k = 1, each point's 2-D nearest neighbour and that neighbour's input-space rank are:
  //   p0 → p2 (rank 2, penalty 1), p1 → p4 (rank 4, penalty 3), p2 → p0 (rank 2, penalty 1),
  //   p3 → p2 (rank 1), p4 → p3 (rank 1).
  // T = 1 − 2 / (n·k·(2n − 3k − 1)) · 5 = 1 − 2/30 · 5 = 2/3 (sklearn 1.2.1 gives 0.6666666666666667).
  const high = Float32Array.from([0, 1, 3, 7, 15]);
  const low = Float32Array.from([0, 0, 10, 0, 1, 0, 2.5, 0, 6, 0]);
  assertClose([trustworthiness(high, 1, low, { k: 1 })], [2 / 3], { atol: 1e-12 });
});

test('matches sklearn.manifold.trustworthiness on deterministic 10-D data', () => {
  const { high, low } = sineData();
  // sklearn 1.2.1: trustworthiness(X, Y, n_neighbors=5) on the same float32 values.
  assertClose([trustworthiness(high, 10, low, { k: 5 })], [0.6951934523809524], { atol: 1e-12 });
});

test('a map that keeps the geometry (a rotated plane in 12-D) scores exactly 1', () => {
  const rand = seeded(7);
  const n = 300;
  const dim = 12;
  // An orthonormal pair of directions u, v in 12-D; high = a·u + b·v, low = (a, b).
  const u = Array.from({ length: dim }, () => rand() - 0.5);
  const nu = Math.hypot(...u);
  u.forEach((x, d) => {
    u[d] = x / nu;
  });
  const v = Array.from({ length: dim }, () => rand() - 0.5);
  const uv = v.reduce((s, x, d) => s + x * u[d]!, 0);
  v.forEach((x, d) => {
    v[d] = x - uv * u[d]!;
  });
  const nv = Math.hypot(...v);
  v.forEach((x, d) => {
    v[d] = x / nv;
  });
  const high = new Float32Array(n * dim);
  const low = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = 10 * rand();
    const b = 10 * rand();
    low.set([a, b], 2 * i);
    for (let d = 0; d < dim; d++) high[i * dim + d] = a * u[d]! + b * v[d]!;
  }
  assert.equal(trustworthiness(high, dim, low, { k: 5 }), 1);
});

test('agrees with the literal sklearn algorithm on random data, including dense and sparse rows and odd n', () => {
  const rand = seeded(3);
  for (const [n, dim, zeros] of [
    [97, 30, 0],
    [150, 64, 0.8],
    [61, 5, 0.3],
  ] as const) {
    // Sparse rows exercise the skipping of all-zero dimensions; n not a multiple of 4 the padding.
    const high = Float32Array.from({ length: n * dim }, () => (rand() < zeros ? 0 : rand()));
    const low = Float32Array.from({ length: n * 2 }, () => rand());
    for (const k of [1, 5, 12]) {
      assertClose(
        [trustworthiness(high, dim, low, { k })],
        [referenceTrustworthiness(high, dim, low, k)],
        { atol: 1e-12 },
        `n=${n} dim=${dim} k=${k}`,
      );
    }
  }
});

test('is the same for raw and affinely rescaled pixels', () => {
  const rand = seeded(11);
  const n = 80;
  const dim = 49;
  const raw = Float32Array.from({ length: n * dim }, () => (rand() < 0.6 ? 0 : Math.floor(256 * rand())));
  const scaled = raw.map((p) => p / 127.5 - 1);
  const low = Float32Array.from({ length: n * 2 }, () => rand());
  assertClose([trustworthiness(scaled, dim, low)], [trustworthiness(raw, dim, low)], { atol: 1e-12 });
});

test('reports progress up to all pairs, and rejects k ≥ n/2', () => {
  const rand = seeded(5);
  const n = 21;
  const high = Float32Array.from({ length: n * 3 }, rand);
  const low = Float32Array.from({ length: n * 2 }, rand);
  const seen: Array<[number, number]> = [];
  trustworthiness(high, 3, low, { k: 2, onProgress: (d, t) => seen.push([d, t]) });
  assert.ok(seen.length > 1);
  const [done, total] = seen.at(-1)!;
  assert.equal(done, total);
  assert.throws(() => trustworthiness(high, 3, low, { k: 11 }), RangeError);
});

test('splits the hand-computed penalty by label: 2 of its 5 fall on same-label pairs', () => {
  // The 5-point case above: penalties p0 → p2 1, p1 → p4 3, p2 → p0 1. With labels 0, 0, 0, 1, 1
  // the pairs p0–p2 and p2–p0 share a label and p1–p4 does not.
  const high = Float32Array.from([0, 1, 3, 7, 15]);
  const low = Float32Array.from([0, 0, 10, 0, 1, 0, 2.5, 0, 6, 0]);
  const parts = trustworthinessParts(high, 1, low, { k: 1 });
  assert.deepEqual(Array.from(parts.penalty), [1, 3, 1, 0, 0]);
  assert.equal(penaltyWithinLabels(parts, [0, 0, 0, 1, 1]), 2 / 5);
  assert.equal(penaltyWithinLabels(parts, [0, 1, 2, 3, 4]), 0);
});

test('the penalty within labels agrees with a step-by-step split, and is null for a perfect map', () => {
  const rand = seeded(13);
  const n = 90;
  const dim = 8;
  const high = Float32Array.from({ length: n * dim }, rand);
  const low = Float32Array.from({ length: n * 2 }, rand);
  const labels = Int32Array.from({ length: n }, () => Math.floor(3 * rand()));
  for (const k of [1, 5]) {
    const got = penaltyWithinLabels(trustworthinessParts(high, dim, low, { k }), labels);
    assertClose([got!], [referencePenaltyWithinLabels(high, dim, low, k, labels)], { atol: 1e-12 }, `k=${k}`);
  }
  const line = Float32Array.from({ length: 20 }, (_, i) => i);
  const onLine = Float32Array.from({ length: 40 }, (_, t) => (t % 2 === 0 ? t / 2 : 0));
  assert.equal(penaltyWithinLabels(trustworthinessParts(line, 1, onLine, { k: 2 }), new Int32Array(20)), null);
});
