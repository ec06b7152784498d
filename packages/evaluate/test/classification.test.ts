import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argmaxRows, clusterError, identityLabels, labelsByMajority, labelsByMostConfident } from '../src/metrics/classification.ts';

// 6 images, 3 clusters. Rows are q(y | x).
const prob = Float32Array.from([
  0.7,
  0.2,
  0.1, // image 0, label 4 → cluster 0
  0.6,
  0.3,
  0.1, // image 1, label 5 → cluster 0
  0.5,
  0.1,
  0.4, // image 2, label 5 → cluster 0
  0.1,
  0.8,
  0.1, // image 3, label 1 → cluster 1
  0.2,
  0.3,
  0.5, // image 4, label 2 → cluster 2
  0.05,
  0.15,
  0.8, // image 5, label 3 → cluster 2 (most confident for cluster 2)
]);
const labels = [4, 5, 5, 1, 2, 3];

test('argmax picks the most probable cluster, the first on ties', () => {
  assert.deepEqual(Array.from(argmaxRows(prob, 3)), [0, 0, 0, 1, 2, 2]);
  assert.deepEqual(Array.from(argmaxRows(Float32Array.from([0.5, 0.5, 0.2, 0.3]), 2)), [0, 1]);
});

test('most-confident rule: each cluster takes the label of its highest-probability image', () => {
  // Cluster 0: image 0 (0.7) → 4. Cluster 1: image 3 (0.8) → 1. Cluster 2: image 5 (0.8) → 3.
  assert.deepEqual(Array.from(labelsByMostConfident(prob, 3, labels)), [4, 1, 3]);
});

test('most-confident rule looks at every image, not only those assigned to the cluster', () => {
  // No image has argmax 1, yet image 1 is the most confident for cluster 1.
  const p = Float32Array.from([0.9, 0.1, 0.6, 0.4]);
  assert.deepEqual(Array.from(argmaxRows(p, 2)), [0, 0]);
  assert.deepEqual(Array.from(labelsByMostConfident(p, 2, [7, 8])), [7, 8]);
});

test('majority rule: commonest label per cluster, smallest on ties, fallback for empty clusters', () => {
  const assigned = argmaxRows(prob, 3);
  const fallback = Int32Array.from([9, 9, 9, 6]);
  // Cluster 0 has labels 4, 5, 5 → 5. Cluster 1 has 1 → 1. Cluster 2 has 2, 3 (tie) → 2.
  // Cluster 3 has no images → fallback 6.
  const { clusterLabels, emptyClusters } = labelsByMajority(assigned, labels, 4, 6, fallback);
  assert.deepEqual(Array.from(clusterLabels), [5, 1, 2, 6]);
  assert.deepEqual(emptyClusters, [3]);
});

test('cluster error counts images whose cluster label is wrong', () => {
  const assigned = argmaxRows(prob, 3);
  // Most-confident labels [4, 1, 3]: images 1, 2 (5 ≠ 4) and 4 (2 ≠ 3) are wrong → 3/6.
  assert.equal(clusterError(assigned, [4, 1, 3], labels), 0.5);
  // Majority labels [5, 1, 2]: images 0 and 5 are wrong → 2/6.
  assert.equal(clusterError(assigned, [5, 1, 2], labels), 2 / 6);
  // Direct (cluster k = class k): only images 3 (cluster 1, label 1) and 4 (cluster 2, label 2) are right → 4/6.
  assert.equal(clusterError(assigned, identityLabels(3), labels), 4 / 6);
  assert.ok(Number.isNaN(clusterError(new Int32Array(0), [], [])));
});
