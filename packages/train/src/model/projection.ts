/**
 * The linear 2-D map of the representation. In n-D mode, P (d × 2) is fitted in closed form by
 * least squares so that the cluster heads W_c·e_k (rows of `heads`, n × d) land on points evenly
 * spaced on a circle of radius `radius`, clockwise from the top, in the order head-order.ts
 * picks (cluster order[p] at place p). With W_c = s·I the fit is exact. In 2-D mode the
 * representation is already 2-D, so P = I.
 */

/** Evenly spaced points on a circle: k = 0 at the top, then clockwise. */
export function circlePoints(n: number, radius: number): number[][] {
  return Array.from({ length: n }, (_, k) => {
    const theta = Math.PI / 2 - (2 * Math.PI * k) / n;
    return [radius * Math.cos(theta), radius * Math.sin(theta)];
  });
}

const transpose = (a: number[][]) => a[0]!.map((_, j) => a.map((row) => row[j]!));
const matmul = (a: number[][], b: number[][]) => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

/** Solves A·X = B for square A by Gaussian elimination with partial pivoting (float64). */
export function solve(a: number[][], b: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) throw new Error('singular matrix in the projection fit: the cluster heads are linearly dependent');
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < m[r]!.length; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row.slice(n).map((v) => v / m[i]![i]!));
}

/**
 * Least-squares P minimising ‖H·P − C‖ (minimum-norm when H has more columns than rows, in
 * which case the fit is exact): P = Hᵀ(H·Hᵀ)⁻¹·C, or (HᵀH)⁻¹Hᵀ·C when d < n.
 */
export function fitProjection(heads: number[][], targets: number[][]): number[][] {
  const ht = transpose(heads);
  if (heads.length <= heads[0]!.length) return matmul(ht, solve(matmul(heads, ht), targets));
  return solve(matmul(ht, heads), matmul(ht, targets));
}

/** Heads as rows (n × d) from their flat row-major values. */
export function headRows(values: ArrayLike<number>, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, k) => Array.from({ length: d }, (_, j) => values[k * d + j]!));
}

export interface MapProjection {
  /** P, d × 2. */
  projection: number[][];
  /** The heads' places in the map, n × 2. */
  heads2d: number[][];
}

/** P and the heads' 2-D positions for a checkpoint; n-D mode puts cluster order[p] at place p of the circle. @default order the identity */
export function projectionFor(mode: 'nd' | '2d', heads: number[][], radius: number, order?: readonly number[]): MapProjection {
  let projection = [
    [1, 0],
    [0, 1],
  ];
  if (mode === 'nd') {
    const places = circlePoints(heads.length, radius);
    const targets = places.slice();
    order?.forEach((cluster, p) => {
      targets[cluster] = places[p]!;
    });
    projection = fitProjection(heads, targets);
  }
  return { projection, heads2d: matmul(heads, projection) };
}
