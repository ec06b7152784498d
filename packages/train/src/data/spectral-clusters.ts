/**
 * Spectral clusters of the neighbour graph (--spectral-labels): the training images split into
 * `clusters` groups by the leading eigenvectors of the graph that joins each image to its k
 * nearest (Ng, Jordan and Weiss 2002), before any training. Unlabelled runs use them as
 * pseudo-labels, as SCAN starts its clustering from a pretext task instead of random weights:
 * from random weights the cluster terms settle in a worse partition than the one the neighbours
 * already hold (docs/results.md).
 *
 * The graph is symmetric (i and j joined when either is among the other's k nearest, twice when
 * both), normalised as S = D^-1/2 A D^-1/2. Its leading eigenvectors come from subspace
 * iteration on S + I (eigenvalues in [0, 2], so the leading ones dominate), orthonormalised
 * each step by Cholesky QR and rotated at the end by the eigenvectors of the small projected
 * matrix (Rayleigh–Ritz). Each image's row of the first `clusters` of them, scaled to length 1,
 * goes to k-means.
 */
import { Rng } from '../rng.ts';

/** Subspace iterations: the leading eigenvalues of MNIST's 15-NN graph lie within 0.05 of 1, so convergence is slow. */
const ITERATIONS = 150;
/** Vectors iterated beyond those kept, so that the kept ones converge at the gap to a farther eigenvalue. */
const EXTRA_VECTORS = 4;
const KMEANS_RESTARTS = 5;
const KMEANS_ITERATIONS = 60;
/** An image is a pseudo-label when at least this share of its neighbours falls in its cluster. */
export const PSEUDO_LABEL_AGREEMENT = 0.8;

export interface SpectralClusters {
  /** [count] each image's cluster. */
  cluster: Int32Array;
  /** [count] the share of each image's k nearest that fall in its cluster. */
  agreement: Float32Array;
}

/** The symmetric normalised graph of a k-nearest table, in compressed rows. */
export class NeighbourGraph {
  readonly start: Int32Array;
  readonly column: Int32Array;
  readonly weight: Float64Array;

  constructor(
    table: Int32Array,
    k: number,
    readonly count: number,
  ) {
    const degree = new Int32Array(count);
    for (let i = 0; i < count; i++)
      for (let e = 0; e < k; e++) {
        degree[i]!++;
        degree[table[i * k + e]!]!++;
      }
    this.start = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) this.start[i + 1] = this.start[i]! + degree[i]!;
    this.column = new Int32Array(this.start[count]!);
    const fill = this.start.slice(0, count);
    for (let i = 0; i < count; i++)
      for (let e = 0; e < k; e++) {
        const j = table[i * k + e]!;
        this.column[fill[i]!++] = j;
        this.column[fill[j]!++] = i;
      }
    this.weight = new Float64Array(this.column.length);
    for (let i = 0; i < count; i++)
      for (let p = this.start[i]!; p < this.start[i + 1]!; p++) this.weight[p] = 1 / Math.sqrt(degree[i]! * degree[this.column[p]!]!);
  }

  /** (S + I)·V for V [count, m] row-major. */
  shiftedTimes(v: Float64Array, m: number): Float64Array {
    const out = Float64Array.from(v);
    const row = new Float64Array(m);
    for (let i = 0; i < this.count; i++) {
      row.fill(0);
      for (let p = this.start[i]!, end = this.start[i + 1]!; p < end; p++) {
        const w = this.weight[p]!;
        const from = this.column[p]! * m;
        for (let c = 0; c < m; c++) row[c]! += w * v[from + c]!;
      }
      for (let c = 0; c < m; c++) out[i * m + c]! += row[c]!;
    }
    return out;
  }
}

/** VᵀU for V, U [count, m] row-major: [m, m]. */
function gram(v: Float64Array, u: Float64Array, count: number, m: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let i = 0; i < count; i++) {
    const at = i * m;
    for (let a = 0; a < m; a++) {
      const va = v[at + a]!;
      const ga = a * m;
      for (let b = 0; b < m; b++) g[ga + b]! += va * u[at + b]!;
    }
  }
  return g;
}

/** V's columns orthonormalised in place: V ← V·L^-T where VᵀV = L·Lᵀ (Cholesky QR). */
function orthonormalise(v: Float64Array, count: number, m: number): void {
  const g = gram(v, v, count, m);
  const l = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b <= a; b++) {
      let s = g[a * m + b]!;
      for (let c = 0; c < b; c++) s -= l[a * m + c]! * l[b * m + c]!;
      l[a * m + b] = a === b ? Math.sqrt(Math.max(s, 1e-300)) : s / l[b * m + b]!;
    }
  const row = new Float64Array(m);
  for (let i = 0; i < count; i++) {
    // Solves L·x = row by forward substitution: x is the row of V·L^-T.
    for (let a = 0; a < m; a++) {
      let s = v[i * m + a]!;
      for (let c = 0; c < a; c++) s -= l[a * m + c]! * row[c]!;
      row[a] = s / l[a * m + a]!;
    }
    v.set(row, i * m);
  }
}

/** Eigenvalues and eigenvectors (columns of the result) of a symmetric [m, m] matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = matrix.slice();
  const q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) q[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) off += a[i * m + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < m; p++)
      for (let r = p + 1; r < m; r++) {
        const apr = a[p * m + r]!;
        if (Math.abs(apr) < 1e-300) continue;
        const theta = (a[r * m + r]! - a[p * m + p]!) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p]!;
          const akr = a[k * m + r]!;
          a[k * m + p] = c * akp - s * akr;
          a[k * m + r] = s * akp + c * akr;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k]!;
          const ark = a[r * m + k]!;
          a[p * m + k] = c * apk - s * ark;
          a[r * m + k] = s * apk + c * ark;
        }
        for (let k = 0; k < m; k++) {
          const qkp = q[k * m + p]!;
          const qkr = q[k * m + r]!;
          q[k * m + p] = c * qkp - s * qkr;
          q[k * m + r] = s * qkp + c * qkr;
        }
      }
  }
  return { values: Float64Array.from({ length: m }, (_, i) => a[i * m + i]!), vectors: q };
}

/**
 * The `want` leading eigenvectors of S [count, want] (row-major) and their eigenvalues, largest
 * first, from `iterations` steps of subspace iteration started from seeded Gaussian vectors.
 */
export function leadingEigenvectors(
  graph: NeighbourGraph,
  want: number,
  seed: number,
  iterations = ITERATIONS,
  onStep?: () => void,
): { vectors: Float64Array; values: Float64Array } {
  const n = graph.count;
  const m = Math.min(want + EXTRA_VECTORS, n);
  const rng = new Rng(seed);
  let v: Float64Array = Float64Array.from({ length: n * m }, () => rng.normal());
  orthonormalise(v, n, m);
  for (let it = 0; it < iterations; it++) {
    v = graph.shiftedTimes(v, m);
    orthonormalise(v, n, m);
    onStep?.();
  }
  const { values, vectors: q } = symmetricEigen(gram(v, graph.shiftedTimes(v, m), n, m), m);
  const order = Array.from({ length: m }, (_, i) => i)
    .sort((x, y) => values[y]! - values[x]!)
    .slice(0, want);
  const out = new Float64Array(n * want);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < want; c++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += v[i * m + a]! * q[a * m + order[c]!]!;
      out[i * want + c] = s;
    }
  return { vectors: out, values: Float64Array.from(order, (c) => values[c]! - 1) };
}

/** Lloyd's k-means on rows [count, dim] from a k-means++ start; the assignment and its sum of squared distances. */
function kMeansOnce(x: Float64Array, count: number, dim: number, k: number, rng: Rng): { cluster: Int32Array; inertia: number } {
  const centres = new Float64Array(k * dim);
  const nearest = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  const distance = (i: number, c: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (x[i * dim + d]! - centres[c * dim + d]!) ** 2;
    return s;
  };
  for (let c = 0; c < k; c++) {
    let pick = rng.int(count);
    if (c > 0) {
      let total = 0;
      for (let i = 0; i < count; i++) total += nearest[i]!;
      let r = rng.float() * total - nearest[0]!;
      for (pick = 0; pick < count - 1 && r > 0; ) r -= nearest[++pick]!;
    }
    centres.set(x.subarray(pick * dim, (pick + 1) * dim), c * dim);
    for (let i = 0; i < count; i++) nearest[i] = Math.min(nearest[i]!, distance(i, c));
  }
  const cluster = new Int32Array(count).fill(-1);
  let inertia = 0;
  for (let it = 0; it < KMEANS_ITERATIONS; it++) {
    let moved = 0;
    inertia = 0;
    for (let i = 0; i < count; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const d = distance(i, c);
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (cluster[i] !== best) moved++;
      cluster[i] = best;
      inertia += bestD;
    }
    if (moved === 0) break;
    const size = new Int32Array(k);
    centres.fill(0);
    for (let i = 0; i < count; i++) {
      size[cluster[i]!]!++;
      for (let d = 0; d < dim; d++) centres[cluster[i]! * dim + d]! += x[i * dim + d]!;
    }
    for (let c = 0; c < k; c++) {
      // An emptied cluster restarts at a random image.
      if (size[c] === 0) {
        const at = rng.int(count);
        centres.set(x.subarray(at * dim, (at + 1) * dim), c * dim);
      } else for (let d = 0; d < dim; d++) centres[c * dim + d]! /= size[c]!;
    }
  }
  return { cluster, inertia };
}

/** The best of KMEANS_RESTARTS k-means runs (least inertia). */
function kMeans(x: Float64Array, count: number, dim: number, k: number, rng: Rng, onStep?: () => void): Int32Array {
  let best = kMeansOnce(x, count, dim, k, rng);
  onStep?.();
  for (let r = 1; r < KMEANS_RESTARTS; r++) {
    const next = kMeansOnce(x, count, dim, k, rng);
    onStep?.();
    if (next.inertia < best.inertia) best = next;
  }
  return best.cluster;
}

/** Steps that spectralClusters reports to its `onStep`: the subspace iterations, then the k-means restarts. */
export const SPECTRAL_STEPS = ITERATIONS + KMEANS_RESTARTS;

/** `clusters` spectral clusters of the images whose k nearest are `table` [count, k]; seeded. */
export function spectralClusters(
  table: Int32Array,
  k: number,
  count: number,
  clusters: number,
  seed: number,
  onStep?: () => void,
): SpectralClusters {
  const graph = new NeighbourGraph(table, k, count);
  const { vectors } = leadingEigenvectors(graph, clusters, seed, ITERATIONS, onStep);
  for (let i = 0; i < count; i++) {
    const row = vectors.subarray(i * clusters, (i + 1) * clusters);
    const norm = Math.hypot(...row) || 1;
    for (let c = 0; c < clusters; c++) row[c]! /= norm;
  }
  const cluster = kMeans(vectors, count, clusters, clusters, new Rng(seed + 1), onStep);
  const agreement = Float32Array.from({ length: count }, (_, i) => {
    let same = 0;
    for (let e = 0; e < k; e++) if (cluster[table[i * k + e]!] === cluster[i]) same++;
    return same / k;
  });
  return { cluster, agreement };
}
