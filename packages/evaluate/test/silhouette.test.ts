import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { silhouette2d } from '../src/metrics/silhouette.ts';
import { referenceSilhouette } from './reference-metrics.ts';
import { blobs2d, seeded, sineData } from './test-data.ts';

test('a hand-computed 6-point case', () => {
  // Points on a line at x = 0, 2 (label 0), 5, 6, 10 (label 1), 13 (label 2, alone).
  //   x=0:  a = 2,   b = mean(5, 6, 10) = 7,            s = 5/7
  //   x=2:  a = 2,   b = mean(3, 4, 8) = 5,             s = 3/5
  //   x=5:  a = (1 + 5)/2 = 3,   b = min(mean(5, 3), 8) = 4,   s = 1/4
  //   x=6:  a = (1 + 4)/2 = 2.5, b = min(mean(6, 4), 7) = 5,   s = 1/2
  //   x=10: a = (5 + 4)/2 = 4.5, b = min(mean(10, 8), 3) = 3,  s = −1/3
  //   x=13: alone in its label,  s = 0
  // sklearn 1.2.1 silhouette_score gives 0.28849206349206347.
  const points = Float32Array.from([0, 0, 2, 0, 5, 0, 6, 0, 10, 0, 13, 0]);
  const expected = (5 / 7 + 3 / 5 + 1 / 4 + 1 / 2 - 1 / 3 + 0) / 6;
  assertClose([silhouette2d(points, [0, 0, 1, 1, 1, 2])], [expected], { atol: 1e-12 });
  // Label values need not be 0..L−1.
  assertClose([silhouette2d(points, [7, 7, -1, -1, -1, 40])], [expected], { atol: 1e-12 });
});

test('matches sklearn.metrics.silhouette_score on deterministic data', () => {
  const { low, labels } = sineData();
  // sklearn 1.2.1 on the same float32 points; float32 inputs leave ~1e-9 of rounding.
  assertClose([silhouette2d(low, labels)], [-0.021825275820088332], { atol: 1e-9 });
});

test('well-separated blobs score near 1', () => {
  // Blobs of half-width 0.5 with centres ~12 apart: a ≈ 0.5, b ≈ 12, so s ≈ 1 − 0.5/12 or better.
  const { points, labels } = blobs2d(6, 50, 12, 0.5, 1);
  const s = silhouette2d(points, labels);
  assert.ok(s > 0.93 && s <= 1, `silhouette ${s}`);
});

test('agrees with a point-by-point implementation on random labels', () => {
  const rand = seeded(2);
  const points = Float32Array.from({ length: 2 * 90 }, () => 5 * rand());
  const labels = Int32Array.from({ length: 90 }, (_, i) => (i === 0 ? 9 : Math.floor(4 * rand())));
  assertClose([silhouette2d(points, labels)], [referenceSilhouette(points, labels)], { atol: 1e-9 });
});

test('is undefined (NaN) with a single label, as sklearn refuses it', () => {
  assert.ok(Number.isNaN(silhouette2d(Float32Array.from([0, 0, 1, 1, 2, 2]), [3, 3, 3])));
});
