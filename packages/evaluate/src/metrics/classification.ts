/**
 * Classification error of the cluster head `y`, and the two rules that turn clusters into class
 * labels when the clusters are not the classes themselves (unsupervised runs, n ≠ classes).
 */

/** Index of the largest value in each row of a row-major [count, width] matrix (first on ties). */
export function argmaxRows(values: Float32Array, width: number): Int32Array {
  const count = values.length / width;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * width;
    let best = 0;
    for (let c = 1; c < width; c++) if (values[o + c]! > values[o + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * The paper's rule (Makhzani et al. 2015, unsupervised clustering): cluster c takes the label of
 * the image with the highest q(y = c | x), whatever cluster that image's argmax falls in.
 * `prob` is [count, clusters]; returns the label of each cluster (-1 only when count = 0).
 */
export function labelsByMostConfident(prob: Float32Array, clusters: number, labels: ArrayLike<number>): Int32Array {
  const count = prob.length / clusters;
  const out = new Int32Array(clusters).fill(-1);
  for (let c = 0; c < clusters; c++) {
    let best = -1;
    let bestP = -Infinity;
    for (let i = 0; i < count; i++) {
      const p = prob[i * clusters + c]!;
      if (p > bestP) {
        bestP = p;
        best = i;
      }
    }
    if (best >= 0) out[c] = labels[best]!;
  }
  return out;
}

/**
 * Cluster c takes the most frequent label among the images assigned to it (smallest label on a
 * tie). A cluster that no image falls in takes `fallback[c]`, so it still has a label.
 */
export function labelsByMajority(
  assigned: Int32Array,
  labels: ArrayLike<number>,
  clusters: number,
  classes: number,
  fallback: Int32Array,
): { clusterLabels: Int32Array; emptyClusters: number[] } {
  const counts = labelCounts(assigned, labels, clusters, classes);
  const clusterLabels = new Int32Array(clusters);
  const emptyClusters: number[] = [];
  for (let c = 0; c < clusters; c++) {
    let best = 0;
    for (let l = 1; l < classes; l++) if (counts[c * classes + l]! > counts[c * classes + best]!) best = l;
    if (counts[c * classes + best] === 0) {
      emptyClusters.push(c);
      clusterLabels[c] = fallback[c]!;
    } else clusterLabels[c] = best;
  }
  return { clusterLabels, emptyClusters };
}

/** How many images of each label each cluster holds: [clusters, classes], row-major. */
export function labelCounts(assigned: Int32Array, labels: ArrayLike<number>, clusters: number, classes: number): Int32Array {
  const counts = new Int32Array(clusters * classes);
  for (let i = 0; i < assigned.length; i++) counts[assigned[i]! * classes + labels[i]!]!++;
  return counts;
}

/** Fraction of images whose cluster's label differs from the true label. */
export function clusterError(assigned: Int32Array, clusterLabels: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (assigned.length === 0) return NaN;
  let wrong = 0;
  for (let i = 0; i < assigned.length; i++) if (clusterLabels[assigned[i]!] !== labels[i]) wrong++;
  return wrong / assigned.length;
}

/** Cluster k = class k, as semi-supervised training with n = classes makes it. */
export function identityLabels(clusters: number): Int32Array {
  return Int32Array.from({ length: clusters }, (_, k) => k);
}
