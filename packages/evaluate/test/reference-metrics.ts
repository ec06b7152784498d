/**
 * Slow, literal re-implementations of the metrics, written the way sklearn computes them (full
 * distance matrix, argsort, brute-force neighbours), sharing no code with src/metrics. Tests and
 * the bench compare the fast versions against these.
 */

/** Squared Euclidean distance between row i of a and row j of b, summed directly. */
function sqDist(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const t = a[i * dim + d]! - b[j * dim + d]!;
    s += t * t;
  }
  return s;
}

/** Indices of all other points, nearest first (ties by index), as sklearn's argsort would give. */
function order(x: Float32Array, dim: number, i: number): number[] {
  const n = x.length / dim;
  const d = Array.from({ length: n }, (_, j) => sqDist(x, i, x, j, dim));
  return Array.from({ length: n }, (_, j) => j)
    .filter((j) => j !== i)
    .sort((p, q) => d[p]! - d[q]! || p - q);
}

/** Each point i's k nearest j in `low`, with sklearn's trustworthiness penalty max(0, r(i, j) − k). */
function referencePenalties(
  high: Float32Array,
  dim: number,
  low: Float32Array,
  k: number,
): Array<{ i: number; j: number; penalty: number }> {
  const pairs: Array<{ i: number; j: number; penalty: number }> = [];
  for (let i = 0; i < low.length / 2; i++) {
    const rankX = new Map(order(high, dim, i).map((j, r) => [j, r + 1]));
    for (const j of order(low, 2, i).slice(0, k)) pairs.push({ i, j, penalty: Math.max(0, rankX.get(j)! - k) });
  }
  return pairs;
}

/** sklearn.manifold.trustworthiness, step by step. */
export function referenceTrustworthiness(high: Float32Array, dim: number, low: Float32Array, k: number): number {
  const n = low.length / 2;
  const penalty = referencePenalties(high, dim, low, k).reduce((s, p) => s + p.penalty, 0);
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

/** The share of sklearn's trustworthiness penalty on pairs of the same label, step by step. */
export function referencePenaltyWithinLabels(
  high: Float32Array,
  dim: number,
  low: Float32Array,
  k: number,
  labels: ArrayLike<number>,
): number {
  const pairs = referencePenalties(high, dim, low, k);
  const total = pairs.reduce((s, p) => s + p.penalty, 0);
  return pairs.reduce((s, p) => s + (labels[p.i] === labels[p.j] ? p.penalty : 0), 0) / total;
}

/** Brute-force kNN vote accuracy (ties to the smallest label). */
export function referenceKnnAccuracy(
  fit: Float32Array,
  fitLabels: ArrayLike<number>,
  test: Float32Array,
  testLabels: ArrayLike<number>,
  k: number,
): number {
  const nFit = fit.length / 2;
  let correct = 0;
  for (let q = 0; q < test.length / 2; q++) {
    const idx = Array.from({ length: nFit }, (_, j) => j).sort((p, r) => sqDist(test, q, fit, p, 2) - sqDist(test, q, fit, r, 2) || p - r);
    const votes = new Map<number, number>();
    for (const j of idx.slice(0, k)) votes.set(fitLabels[j]!, (votes.get(fitLabels[j]!) ?? 0) + 1);
    const best = [...votes].sort((p, r) => r[1] - p[1] || p[0] - r[0])[0]![0];
    if (best === testLabels[q]) correct++;
  }
  return correct / (test.length / 2);
}

/** sklearn.metrics.silhouette_score, point by point. */
export function referenceSilhouette(points: Float32Array, labels: ArrayLike<number>): number {
  const n = points.length / 2;
  const names = [...new Set(Array.from(labels))];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const mean = (l: number) => {
      const others = Array.from({ length: n }, (_, j) => j).filter((j) => labels[j] === l && j !== i);
      return others.reduce((s, j) => s + Math.sqrt(sqDist(points, i, points, j, 2)), 0) / others.length;
    };
    const own = Array.from(labels).filter((l) => l === labels[i]).length;
    if (own === 1) continue;
    const a = mean(labels[i]!);
    const b = Math.min(...names.filter((l) => l !== labels[i]).map(mean));
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

/**
 * Per label, |median − head| / (distance from that head to its nearest other head), where the
 * head is the nearest of the clusters labelled with it: the numbers sorted per axis, every pair
 * of heads compared. Labels no cluster carries are left out.
 */
export function referenceHeadRatios(
  points: Float32Array,
  labels: ArrayLike<number>,
  heads: number[][],
  clusterLabels: ArrayLike<number>,
): Map<number, number> {
  const out = new Map<number, number>();
  const euclid = (a: number[], b: number[]) => Math.sqrt((a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2);
  for (const label of new Set(Array.from(labels))) {
    const mine = Array.from(labels).flatMap((l, i) => (l === label ? [i] : []));
    const centre = [0, 1].map((axis) => {
      const v = mine.map((i) => points[2 * i + axis]!).sort((p, q) => p - q);
      return (v[Math.floor((v.length - 1) / 2)]! + v[Math.ceil((v.length - 1) / 2)]!) / 2;
    });
    const own = heads.map((h, k) => ({ h, k })).filter(({ k }) => clusterLabels[k] === label);
    if (own.length === 0) continue;
    const { h, k } = own.sort((p, q) => euclid(centre, p.h) - euclid(centre, q.h))[0]!;
    const spacing = Math.min(...heads.filter((_, j) => j !== k).map((g) => euclid(h, g)));
    out.set(label, euclid(centre, h) / spacing);
  }
  return out;
}
