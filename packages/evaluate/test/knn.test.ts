import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knnAccuracy2d, nearestNeighbours2d } from '../src/metrics/knn.ts';
import { referenceKnnAccuracy } from './reference-metrics.ts';
import { blobs2d, seeded, sineData } from './test-data.ts';

test('finds the same neighbours as brute force', () => {
  const rand = seeded(4);
  // Clustered x values and repeated x values stress the strip search's stopping rule.
  const fit = Float32Array.from({ length: 2 * 400 }, (_, i) => (i % 2 === 0 ? Math.round(20 * rand()) / 4 : rand()));
  const query = Float32Array.from({ length: 2 * 60 }, () => 6 * rand() - 0.5);
  const k = 7;
  const got = nearestNeighbours2d(fit, query, k);
  for (let q = 0; q < 60; q++) {
    const d = (j: number) => (fit[2 * j]! - query[2 * q]!) ** 2 + (fit[2 * j + 1]! - query[2 * q + 1]!) ** 2;
    const want = Array.from({ length: 400 }, (_, j) => d(j))
      .sort((a, b) => a - b)
      .slice(0, k);
    assert.deepEqual(Array.from(got.subarray(q * k, (q + 1) * k), d), want, `query ${q}`);
  }
});

test('excludeSelf leaves each point out of its own neighbours', () => {
  const pts = Float32Array.from([0, 0, 1, 0, 3, 0, 7, 0]);
  assert.deepEqual(Array.from(nearestNeighbours2d(pts, pts, 1, { excludeSelf: true })), [1, 0, 1, 2]);
  assert.throws(() => nearestNeighbours2d(pts, pts, 4, { excludeSelf: true }), RangeError);
});

test('well-separated blobs give 1-NN and 5-NN accuracy 1', () => {
  const fit = blobs2d(10, 60, 10, 0.8, 1);
  const held = blobs2d(10, 20, 10, 0.8, 2);
  for (const k of [1, 5]) assert.equal(knnAccuracy2d(fit.points, fit.labels, held.points, held.labels, k), 1);
});

test('matches sklearn KNeighborsClassifier, including tied votes', () => {
  const { low, labels } = sineData();
  // sklearn 1.2.1: KNeighborsClassifier(k).fit(Y[:80], lab[:80]).score(Y[80:], lab[80:]).
  const fit = low.subarray(0, 160);
  const held = low.subarray(160);
  assert.equal(knnAccuracy2d(fit, labels.subarray(0, 80), held, labels.subarray(80), 1), 0.5);
  assert.equal(knnAccuracy2d(fit, labels.subarray(0, 80), held, labels.subarray(80), 5), 0.45);
});

test('agrees with a brute-force vote on overlapping classes', () => {
  const fit = blobs2d(5, 80, 1, 1.2, 5);
  const held = blobs2d(5, 30, 1, 1.2, 6);
  for (const k of [1, 5]) {
    const got = knnAccuracy2d(fit.points, fit.labels, held.points, held.labels, k);
    assert.equal(got, referenceKnnAccuracy(fit.points, fit.labels, held.points, held.labels, k), `k=${k}`);
    assert.ok(got < 1, 'overlapping blobs should not be perfectly separable');
  }
});
