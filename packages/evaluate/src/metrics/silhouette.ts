/**
 * Mean silhouette coefficient of 2-D points under given labels, as sklearn's
 * `silhouette_score(X, labels)` defines it (Euclidean, all pairs):
 *   a(i) = mean distance from i to the other points of its label,
 *   b(i) = the smallest mean distance from i to the points of another label,
 *   s(i) = (b − a) / max(a, b), and s(i) = 0 when i's label has only i.
 * Full pairwise in 2-D: n(n−1)/2 distances, about half a second for 10k points.
 */
export function silhouette2d(points: Float32Array, labels: ArrayLike<number>): number {
  const n = points.length / 2;
  const { codes, sizes } = encodeLabels(labels);
  const L = sizes.length;
  // sklearn refuses fewer than 2 labels or as many labels as points; there the score is undefined.
  if (L < 2 || L > n - 1) return NaN;
  // sums[i·L + l] = total distance from point i to the points labelled l.
  const sums = new Float64Array(n * L);
  for (let i = 0; i < n; i++) {
    const xi = points[2 * i]!;
    const yi = points[2 * i + 1]!;
    const li = codes[i]!;
    for (let j = i + 1; j < n; j++) {
      const dx = points[2 * j]! - xi;
      const dy = points[2 * j + 1]! - yi;
      const d = Math.sqrt(dx * dx + dy * dy);
      sums[i * L + codes[j]!]! += d;
      sums[j * L + li]! += d;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const li = codes[i]!;
    if (sizes[li] === 1) continue;
    const a = sums[i * L + li]! / (sizes[li]! - 1);
    let b = Infinity;
    for (let l = 0; l < L; l++) if (l !== li) b = Math.min(b, sums[i * L + l]! / sizes[l]!);
    const denom = Math.max(a, b);
    total += denom > 0 ? (b - a) / denom : 0;
  }
  return total / n;
}

/** Maps arbitrary label values to 0..L−1 and counts each. */
function encodeLabels(labels: ArrayLike<number>): { codes: Int32Array; sizes: number[] } {
  const index = new Map<number, number>();
  const sizes: number[] = [];
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let c = index.get(labels[i]!);
    if (c === undefined) {
      c = sizes.length;
      index.set(labels[i]!, c);
      sizes.push(0);
    }
    sizes[c]!++;
    codes[i] = c;
  }
  return { codes, sizes };
}
