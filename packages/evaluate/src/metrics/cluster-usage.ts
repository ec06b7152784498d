/**
 * How the test images spread over the clusters: a diagnosis for unsupervised runs, whose error
 * alone cannot tell clusters left empty from clusters that mix classes or split one by style.
 */
import { labelCounts } from './classification.ts';

export interface ClusterUsage {
  /** Test images whose argmax y is each cluster. */
  counts: number[];
  /** Clusters that no test image falls in. */
  empty: number[];
  /** Per cluster, the commonest true label of its test images (smallest on a tie); -1 when empty. */
  majorityClass: number[];
  /** Per cluster, the share of its test images that carry that label, 0..1; null when empty. */
  purity: (number | null)[];
  /** Mean over the test images of max_k q(y = k | x): near 1 when y is one-hot, 1/clusters when uniform. */
  meanConfidence: number;
}

export function clusterUsage(
  prob: Float32Array,
  assigned: Int32Array,
  labels: ArrayLike<number>,
  clusters: number,
  classes: number,
): ClusterUsage {
  const table = labelCounts(assigned, labels, clusters, classes);
  const counts: number[] = [];
  const majorityClass: number[] = [];
  const purity: (number | null)[] = [];
  for (let c = 0; c < clusters; c++) {
    const row = Array.from(table.subarray(c * classes, (c + 1) * classes));
    const total = row.reduce((s, v) => s + v, 0);
    const top = Math.max(...row);
    counts.push(total);
    majorityClass.push(total > 0 ? row.indexOf(top) : -1);
    purity.push(total > 0 ? top / total : null);
  }
  let confidence = 0;
  assigned.forEach((k, i) => {
    confidence += prob[i * clusters + k]!;
  });
  return {
    counts,
    empty: counts.flatMap((n, c) => (n === 0 ? [c] : [])),
    majorityClass,
    purity,
    meanConfidence: assigned.length ? confidence / assigned.length : NaN,
  };
}
