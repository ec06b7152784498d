import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { headOrder, placementCost, placementMatrix } from '../src/model/head-order.ts';
import { circlePoints, projectionFor } from '../src/model/projection.ts';
import { Rng } from '../src/rng.ts';

/** `count` rows of n probabilities; each row leans on a few clusters, as an unsure encoder's q(y|x) does. */
function softRows(rng: Rng, count: number, n: number, spread: number): Float32Array {
  const q = new Float32Array(count * n);
  for (let x = 0; x < count; x++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += q[x * n + k] = Math.exp(spread * rng.normal());
    for (let k = 0; k < n; k++) q[x * n + k]! /= sum;
  }
  return q;
}

/** r = s·q + z with z ~ N(0, σ²) per dimension (d = n), as the n-D encoder's representation. */
function representations(rng: Rng, q: Float32Array, s: number, sigma: number): Float32Array {
  return q.map((v) => s * v + sigma * rng.normal());
}

/** Every circular order with cluster 0 at place 0: (n − 1)! of them. */
function* circularOrders(n: number): Generator<number[]> {
  const walk = function* (prefix: number[], left: number[]): Generator<number[]> {
    if (left.length === 0) yield prefix;
    for (let i = 0; i < left.length; i++) yield* walk([...prefix, left[i]!], [...left.slice(0, i), ...left.slice(i + 1)]);
  };
  yield* walk(
    [0],
    Array.from({ length: n - 1 }, (_, k) => k + 1),
  );
}

test('without style K is s² times the soft co-assignment Yᵀ·Y', () => {
  const q = Float32Array.of(0.5, 0.5, 0, 0.25, 0, 0.75);
  const k = placementMatrix(
    q,
    q.map((v) => 10 * v),
    2,
    3,
    10,
  );
  const coAssigned = [0.25 + 0.0625, 0.25, 0.1875, 0.25, 0.25, 0, 0.1875, 0, 0.5625];
  assertClose(
    [...k],
    coAssigned.map((v) => 100 * v),
    { atol: 1e-5 },
    'K',
  );
});

test('placementCost differs between two orders exactly as the summed expected squared distance from each point to a head drawn from its q', () => {
  const rng = new Rng(5);
  const n = 7;
  const count = 40;
  const s = 10;
  const q = softRows(rng, count, n, 1.5);
  const r = representations(rng, q, s, 1);
  // Computed from the geometry: cluster k's head at s·u_k, an image's point at Σ_j r_j·u_j.
  const expected = (order: number[]) => {
    const u = (k: number) => {
      const theta = Math.PI / 2 - (2 * Math.PI * order.indexOf(k)) / n;
      return [Math.cos(theta), Math.sin(theta)];
    };
    let e = 0;
    for (let x = 0; x < count; x++) {
      const point = [0, 1].map((a) => Array.from({ length: n }, (_, j) => r[x * n + j]! * u(j)[a]!).reduce((t, v) => t + v, 0));
      for (let k = 0; k < n; k++) e += q[x * n + k]! * ((s * u(k)[0]! - point[0]!) ** 2 + (s * u(k)[1]! - point[1]!) ** 2);
    }
    return e;
  };
  const k = placementMatrix(q, r, count, n, s);
  const a = [0, 3, 6, 1, 4, 2, 5];
  const b = [0, 1, 2, 3, 4, 5, 6];
  // The identity behind E = const + cost needs rows of q that sum to 1; float32 rows do so within about 1e-7.
  assertClose(
    [placementCost(k, a) - placementCost(k, b)],
    [expected(a) - expected(b)],
    { atol: 1e-6 * expected(b), rtol: 0 },
    'difference',
  );
});

test('headOrder finds the exhaustive optimum on sets of 5 to 9 clusters', () => {
  const rng = new Rng(11);
  for (const n of [5, 6, 7, 8, 9]) {
    for (const spread of [0.8, 2]) {
      const q = softRows(rng, 60, n, spread);
      const k = placementMatrix(q, representations(rng, q, 10, 1), 60, n, 10);
      let best = Infinity;
      for (const order of circularOrders(n)) best = Math.min(best, placementCost(k, order));
      const found = placementCost(k, headOrder(k, n));
      assertClose([found], [best], { rtol: 1e-9 }, `n = ${n}, spread ${spread}`);
    }
  }
});

for (const n of [16, 40])
  test(`headOrder recovers a hidden circle of ${n} clusters whose images spill onto their neighbours${n > 32 ? ' (swaps only)' : ''}`, () => {
    const rng = new Rng(2);
    const hidden = Array.from({ length: n }, (_, k) => k);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [hidden[i], hidden[j]] = [hidden[j]!, hidden[i]!];
    }
    const q = new Float32Array(n * 3 * n);
    hidden.forEach((cluster, p) => {
      for (const [x, side] of [0, 1, 2].map((t) => [3 * p + t, t - 1] as const)) {
        q[x * n + cluster] = 0.7;
        q[x * n + hidden[(p + n + (side === 0 ? 1 : side)) % n]!] = 0.3;
      }
    });
    const order = headOrder(placementMatrix(q, q, 3 * n, n, 1), n);
    const neighbours = (o: readonly number[]) => new Set(o.map((c, p) => [c, o[(p + 1) % n]!].sort((a, b) => a - b).join('-')));
    assert.deepEqual(neighbours(order), neighbours(hidden));
  });

test('headOrder keeps the identity when no pair of places is better than another, and always puts cluster 0 at the top', () => {
  const n = 6;
  const diagonal = new Float64Array(n * n);
  for (let k = 0; k < n; k++) diagonal[k * n + k] = 100 + k;
  assert.deepEqual(headOrder(diagonal, n), [0, 1, 2, 3, 4, 5]);
  const rng = new Rng(4);
  const q = softRows(rng, 30, n, 2);
  const order = headOrder(placementMatrix(q, representations(rng, q, 10, 1), 30, n, 10), n);
  assert.equal(order[0], 0);
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(order[1]! < order[n - 1]!, 'mirrored so that the right-hand neighbour of cluster 0 is the smaller');
});

test('n-D projection with an order: cluster order[p] lands on place p of the circle', () => {
  const n = 5;
  const heads = Array.from({ length: n }, (_, k) => Array.from({ length: n }, (_, j) => (j === k ? 10 : 0)));
  const order = [0, 3, 1, 4, 2];
  const { heads2d } = projectionFor('nd', heads, 10, order);
  const places = circlePoints(n, 10);
  for (const [p, cluster] of order.entries()) assertClose(heads2d[cluster]!, places[p]!, { atol: 1e-9 }, `cluster ${cluster}`);
});
