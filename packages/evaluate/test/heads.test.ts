import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { argmaxRows } from '../src/metrics/classification.ts';
import { clusterUsage } from '../src/metrics/cluster-usage.ts';
import { classMedians, headAlignment, median } from '../src/metrics/heads.ts';

// Three heads: A (0, 0), B (3, 4), C (10, 0). Nearest other head: A→B 5, B→A 5, C→B hypot(7, 4).
const HEADS = [
  [0, 0],
  [3, 4],
  [10, 0],
];

test('median: the middle value, or the mean of the two middle ones', () => {
  assert.equal(median(Float64Array.from([5, -1, 3])), 3);
  assert.equal(median(Float64Array.from([4, 1, 10, 2])), 3);
  assert.equal(median(Float64Array.from([7])), 7);
});

test('class medians are taken per coordinate, not as a point of the set', () => {
  // Class 0: x = 0, 1, 4 → 1; y = 9, 0, 1 → 1. (1, 1) is none of its points.
  const points = Float32Array.from([0, 9, 1, 0, 4, 1, 2, 2, 6, 8]);
  const m = classMedians(points, [0, 0, 0, 5, 5]);
  assert.deepEqual(m.get(0), [1, 1]);
  assert.deepEqual(m.get(5), [4, 5]);
});

test('a hand-computed case: distance to the class head over that head’s spacing', () => {
  // Class 0 (clusters 0 and 2 labelled 0): points (1, 0), (2, 0), (100, 0) → median (2, 0);
  //   nearer head of its two is A (distance 2, against 8 to C); A's spacing 5 → 0.4.
  // Class 1 (cluster 1): points (3, 3), (3, 2), (3, 6) → median (3, 3); head B at distance 1; spacing 5 → 0.2.
  // Class 2: points (9, 3) and (11, 3) → median (10, 3): no cluster is labelled 2.
  const points = Float32Array.from([1, 0, 2, 0, 100, 0, 3, 3, 3, 2, 3, 6, 9, 3, 11, 3]);
  const labels = [0, 0, 0, 1, 1, 1, 2, 2];
  const h = headAlignment(points, labels, HEADS, [0, 1, 0]);
  assert.deepEqual(h.withoutHead, [2]);
  assert.deepEqual(
    h.perClass.map((c) => [c.cls, c.cluster]),
    [
      [0, 0],
      [1, 1],
    ],
  );
  assertClose(
    h.perClass.flatMap((c) => [c.distance, c.spacing, c.ratio]),
    [2, 5, 0.4, 1, 5, 0.2],
    { atol: 1e-12 },
  );
  assertClose([h.mean!, h.max!], [0.3, 0.4], { atol: 1e-12 });
});

test('a class whose median sits near the far head of its two is measured against that one', () => {
  // Class 4 at (9, 0): heads A and C are both labelled 4; C is nearer (distance 1); C's spacing hypot(7, 4).
  const h = headAlignment(Float32Array.from([9, 0]), [4], HEADS, [4, 0, 4]);
  assert.equal(h.perClass[0]!.cluster, 2);
  assertClose([h.max!], [1 / Math.hypot(7, 4)], { atol: 1e-12 });
});

test('no class with a head: mean and max are null', () => {
  const h = headAlignment(Float32Array.from([0, 0]), [3], HEADS, [0, 1, 2]);
  assert.deepEqual([h.mean, h.max, h.perClass, h.withoutHead], [null, null, [], [3]]);
});

test('cluster usage: counts, empty clusters, commonest class and its share, mean confidence', () => {
  // 5 images, 3 clusters; cluster 2 receives none.
  const prob = Float32Array.from([0.9, 0.1, 0, 0.6, 0.4, 0, 0.5, 0.3, 0.2, 0.2, 0.7, 0.1, 0.4, 0.6, 0]);
  const assigned = argmaxRows(prob, 3);
  const u = clusterUsage(prob, assigned, [1, 1, 0, 2, 2], 3, 3);
  assert.deepEqual(u.counts, [3, 2, 0]);
  assert.deepEqual(u.empty, [2]);
  assert.deepEqual(u.majorityClass, [1, 2, -1]);
  assertClose([u.purity[0]!, u.purity[1]!], [2 / 3, 1], { atol: 1e-12 });
  assert.equal(u.purity[2], null);
  assertClose([u.meanConfidence], [(0.9 + 0.6 + 0.5 + 0.7 + 0.6) / 5], { atol: 1e-6 });
});
