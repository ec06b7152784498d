/**
 * Trustworthiness (Venna & Kaski 2001), as sklearn.manifold.trustworthiness defines it:
 *   T(k) = 1 − 2 / (n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k(i) in 2-D} max(0, r(i, j) − k)
 * where r(i, j) is the rank of j among i's neighbours in the input space (1 = nearest).
 * It is 1 when every 2-D neighbour is also among the k nearest input-space neighbours.
 *
 * A point's rank needs its distance to every other point, but not their order: r(i, j) − 1 is
 * the number of points closer to i than j. The 2-D neighbours are found first, so each point
 * has k thresholds, and one pass over the Gram matrix's upper triangle (gram-tiles.ts) counts,
 * for both ends of every pair, the thresholds the pair falls under. No n×n matrix is stored.
 *
 * Ties in input distance count as not closer (sklearn orders ties arbitrarily). Distances come
 * from ‖a‖² + ‖b‖² − 2a·b in float64, exact for integer inputs such as raw pixels. Scaling the
 * input by a constant (raw vs normalised pixels) leaves every rank, hence T, unchanged.
 */
import { squaredNorms } from '@aae-map/shared';
import { forEachGramTile, TILE } from './gram-tiles.ts';
import { nearestNeighbours2d } from './knn.ts';

export interface TrustworthinessOptions {
  /** Neighbourhood size k; needs k < n / 2. @default 5 */
  k?: number;
  /** Called after each 4-row strip of the pair pass, with pairs done and the total. */
  onProgress?: (pairsDone: number, pairsTotal: number) => void;
}

/** Trustworthiness with the penalty of each of its n·k pairs. */
export interface TrustworthinessParts {
  value: number;
  k: number;
  /** [n, k]: each point's k nearest in the 2-D map, nearest first. */
  neighbours: Int32Array;
  /** [n, k]: max(0, r(i, j) − k) for the same pairs. */
  penalty: Int32Array;
}

/**
 * Trustworthiness of a 2-D map `low` (x0, y0, x1, …) of the points `high` ([n, dim] row-major).
 */
export function trustworthiness(high: Float32Array, dim: number, low: Float32Array, opts: TrustworthinessOptions = {}): number {
  return trustworthinessParts(high, dim, low, opts).value;
}

/**
 * The share of the penalty on pairs whose two points have the same label: how much of what the
 * map loses comes from its arrangement within classes, rather than from points placed among
 * another class. Null when the map loses nothing.
 */
export function penaltyWithinLabels(parts: TrustworthinessParts, labels: ArrayLike<number>): number | null {
  let within = 0;
  let total = 0;
  for (let t = 0; t < parts.penalty.length; t++) {
    const p = parts.penalty[t]!;
    total += p;
    if (labels[Math.floor(t / parts.k)] === labels[parts.neighbours[t]!]) within += p;
  }
  return total === 0 ? null : within / total;
}

/** trustworthiness, keeping each pair's penalty (for penaltyWithinLabels). */
export function trustworthinessParts(
  high: Float32Array,
  dim: number,
  low: Float32Array,
  opts: TrustworthinessOptions = {},
): TrustworthinessParts {
  const k = opts.k ?? 5;
  const n = low.length / 2;
  if (high.length !== n * dim) throw new RangeError(`high has ${high.length} values, expected ${n} points × ${dim}`);
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) throw new RangeError(`k = ${k} needs 1 ≤ k < n / 2 = ${n / 2}`);
  const nbrs = nearestNeighbours2d(low, low, k, { excludeSelf: true });
  const norms = squaredNorms(high, dim);
  const thresholds = neighbourDistances(high, dim, norms, nbrs, k);
  const closer = countCloser(high, dim, norms, nbrs, thresholds, k, opts.onProgress);
  const penalty = closer.map((c) => Math.max(0, c + 1 - k));
  let sum = 0;
  for (const p of penalty) sum += p;
  return { value: 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * sum, k, neighbours: nbrs, penalty };
}

/** Input-space squared distance from each point to each of its k 2-D neighbours: [n, k]. */
function neighbourDistances(x: Float32Array, dim: number, norms: Float64Array, nbrs: Int32Array, k: number): Float64Array {
  const out = new Float64Array(nbrs.length);
  for (let t = 0; t < nbrs.length; t++) {
    const i = Math.floor(t / k);
    const j = nbrs[t]!;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += x[i * dim + d]! * x[j * dim + d]!;
    out[t] = norms[i]! + norms[j]! - 2 * dot;
  }
  return out;
}

/**
 * closer[i·k + m] = number of points l ∉ {i, j_m} with d(i, l) < d(i, j_m), where j_m is i's
 * m-th 2-D neighbour.
 */
function countCloser(
  x: Float32Array,
  dim: number,
  norms: Float64Array,
  nbrs: Int32Array,
  thresholds: Float64Array,
  k: number,
  onProgress?: (done: number, total: number) => void,
): Int32Array {
  const n = norms.length;
  const maxT = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let t = i * k; t < (i + 1) * k; t++) m = Math.max(m, thresholds[t]!);
    maxT[i] = m;
  }
  const closer = new Int32Array(n * k);
  // Most pairs are farther apart than any threshold: one comparison each, then the rare slow path.
  // Skipping l = j_m by index, rather than trusting d(i, j_m) < d(i, j_m) to be false, keeps the
  // count right even if the two ways of summing the dot product ever round differently.
  const count = (i: number, l: number, d: number) => {
    for (let t = i * k; t < (i + 1) * k; t++) if (d < thresholds[t]! && l !== nbrs[t]) closer[t]!++;
  };
  forEachGramTile(
    x,
    dim,
    (i0, j0, tile) => {
      for (let r = 0; r < TILE; r++) {
        const i = i0 + r;
        if (i >= n) return;
        for (let c = 0; c < TILE; c++) {
          const l = j0 + c;
          if (l <= i || l >= n) continue;
          const d = norms[i]! + norms[l]! - 2 * tile[r * TILE + c]!;
          if (d < maxT[i]!) count(i, l, d);
          if (d < maxT[l]!) count(l, i, d);
        }
      }
    },
    onProgress,
  );
  return closer;
}
