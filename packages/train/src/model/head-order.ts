/**
 * The order of the n-D map's cluster heads around its circle. The map places an image at the
 * q(y|x)-weighted mean of the heads (plus its style), so an image the encoder is unsure about
 * lands between the heads of the clusters it hesitates over. With those heads on opposite sides
 * of the circle, such images fill the middle of the map and pull their class's centre off its
 * head; with them side by side, the image stays near both, and neighbouring clusters on the map
 * are ones that share images. The order minimises
 *   Σ_x Σ_k q_k(x)·|h_k − Σ_j q_j(x)·h_j|² = ½·Σ_ij S_ij·|h_i − h_j|²,
 * the expected squared distance from an image's style-free point to the head of a cluster drawn
 * from its own q, where S = Yᵀ·Y is the clusters' soft co-assignment over training images (the
 * rows of Y are q(y|x)). On a circle of radius r, |h_i − h_j|² = 2r²·(1 − cos(θ_i − θ_j)).
 */

/** S = Yᵀ·Y over `count` rows of `n` cluster probabilities: row-major n × n, in float64. */
export function coAssignment(prob: ArrayLike<number>, count: number, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let x = 0; x < count; x++) {
    const row = x * n;
    for (let i = 0; i < n; i++) {
      const qi = prob[row + i]!;
      if (qi === 0) continue;
      for (let j = 0; j < n; j++) s[i * n + j]! += qi * prob[row + j]!;
    }
  }
  return s;
}

/** 1 − cos of the angle between places p and q, indexed by |p − q|. */
const gapCosts = (n: number) => Float64Array.from({ length: n }, (_, d) => 1 - Math.cos((2 * Math.PI * d) / n));

/** Σ_ij S_ij·(1 − cos(θ_i − θ_j)), with cluster order[p] at angle 2πp/n. */
export function placementCost(s: Float64Array, order: readonly number[]): number {
  return costOf(s, order, gapCosts(order.length));
}

function costOf(s: Float64Array, order: readonly number[], gaps: Float64Array): number {
  const n = order.length;
  let cost = 0;
  for (let p = 0; p < n; p++)
    for (let q = p + 1; q < n; q++) cost += (s[order[p]! * n + order[q]!]! + s[order[q]! * n + order[p]!]!) * gaps[q - p]!;
  return cost;
}

/** Starting from `from`, each next place takes the unplaced cluster that shares most images with the last one. */
function greedyChain(s: Float64Array, n: number, from: number): number[] {
  const order = [from];
  const left = new Set(Array.from({ length: n }, (_, k) => k).filter((k) => k !== from));
  while (left.size > 0) {
    const last = order[order.length - 1]!;
    let next = -1;
    for (const k of left) if (next < 0 || s[last * n + k]! > s[last * n + next]!) next = k;
    order.push(next);
    left.delete(next);
  }
  return order;
}

/** Reversals cost a full evaluation each (O(n²)); past this many clusters only swaps are tried. */
const MAX_REVERSAL_CLUSTERS = 32;

/** Swaps of two places and reversals of a run of places, taken while one lowers the cost. */
function localSearch(s: Float64Array, start: number[], gaps: Float64Array): { order: number[]; cost: number } {
  const order = start.slice();
  const n = order.length;
  const w = (i: number, j: number) => s[i * n + j]! + s[j * n + i]!;
  let cost = costOf(s, order, gaps);
  const lower = (c: number) => c < cost - 1e-12 * (1 + Math.abs(cost));
  // The change of the cost when places a and b swap their clusters: only pairs with one of them move.
  const swapDelta = (a: number, b: number) => {
    let d = 0;
    for (let c = 0; c < n; c++) {
      if (c === a || c === b) continue;
      d += (w(order[b]!, order[c]!) - w(order[a]!, order[c]!)) * (gaps[Math.abs(a - c)]! - gaps[Math.abs(b - c)]!);
    }
    return d;
  };
  for (let improved = true; improved; ) {
    improved = false;
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++) {
        const swapped = cost + swapDelta(a, b);
        if (lower(swapped)) {
          swap(order, a, b);
          cost = swapped;
          improved = true;
        }
        if (n > MAX_REVERSAL_CLUSTERS) continue;
        reverse(order, a, b);
        const reversed = costOf(s, order, gaps);
        if (lower(reversed)) {
          cost = reversed;
          improved = true;
        } else reverse(order, a, b);
      }
  }
  return { order, cost: costOf(s, order, gaps) };
}

function swap(order: number[], a: number, b: number): void {
  [order[a], order[b]] = [order[b]!, order[a]!];
}

function reverse(order: number[], a: number, b: number): void {
  for (let i = a, j = b; i < j; i++, j--) swap(order, i, j);
}

/** The same circle turned so that cluster 0 is at place 0, and mirrored so that its right-hand neighbour is the smaller. */
function canonical(order: number[]): number[] {
  const n = order.length;
  const at = order.indexOf(0);
  const turned = Array.from({ length: n }, (_, p) => order[(at + p) % n]!);
  return n > 2 && turned[1]! > turned[n - 1]! ? [0, ...turned.slice(1).reverse()] : turned;
}

/** Greedy chains are started from this many clusters (each start costs a local search). */
const GREEDY_STARTS = 10;

/**
 * A circular order of the `n` clusters (order[p] = the cluster at place p, place 0 at the top)
 * of low placementCost for the co-assignment `s`: the best local search from the identity and
 * from greedy chains. Exhaustive search agrees on the tests' sets up to 9 clusters. The identity
 * is kept unless a move strictly lowers its cost, so clusters that share no images keep their
 * places, and the result has cluster 0 at the top.
 */
export function headOrder(s: Float64Array, n: number): number[] {
  if (s.length !== n * n) throw new Error(`headOrder: ${s.length} values for ${n} clusters`);
  const gaps = gapCosts(n);
  const identity = Array.from({ length: n }, (_, k) => k);
  let best = localSearch(s, identity, gaps);
  for (let from = 0; from < Math.min(n, GREEDY_STARTS); from++) {
    const found = localSearch(s, greedyChain(s, n, from), gaps);
    if (found.cost < best.cost - 1e-12 * (1 + Math.abs(best.cost))) best = found;
  }
  return canonical(best.order);
}
