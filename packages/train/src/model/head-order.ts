/**
 * The order of the n-D map's cluster heads around its circle. The map is read through its heads,
 * so the order puts each training image as near as it can to the heads its encoder gives it:
 * it minimises
 *   E = Σ_x Σ_k q_k(x)·|h_k − r(x)·P|²,
 * the summed expected squared distance from an image's point to the head of a cluster drawn
 * from its own q(y|x). Two things move a point off its head, and the order acts on both: an
 * unsure q puts the point between the heads it hesitates over (so clusters that share images
 * should be neighbours), and the style z moves it along the heads' directions (z_j along head
 * j's, as P sends e_j to head j's place over the scale s).
 *
 * With W_c = s·I and the heads on a circle of radius s, h_k = s·u_k and r(x)·P = Σ_j r_j(x)·u_j
 * for unit vectors u_k at the places' angles θ_k, so
 *   E = const + Σ_ij K_ij·(1 − cos(θ_i − θ_j)),  K = s·(Aᵀ + A) − B,  A = Yᵀ·R,  B = Rᵀ·R,
 * where the rows of Y are q(y|x) and those of R the representations r = s·y + z. Without style
 * (R = s·Y) K is s²·Yᵀ·Y, the clusters' soft co-assignment.
 */

/** K (row-major n × n, float64) from `count` rows of q(y|x) and of r, with heads s·e_k. */
export function placementMatrix(prob: ArrayLike<number>, rep: ArrayLike<number>, count: number, n: number, s: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let x = 0; x < count; x++) {
    const row = x * n;
    for (let i = 0; i < n; i++) {
      const qi = prob[row + i]!;
      const ri = rep[row + i]!;
      for (let j = 0; j < n; j++) k[i * n + j]! += s * (qi * rep[row + j]! + prob[row + j]! * ri) - ri * rep[row + j]!;
    }
  }
  return k;
}

/** 1 − cos of the angle between places p and q, indexed by |p − q|. */
const gapCosts = (n: number) => Float64Array.from({ length: n }, (_, d) => 1 - Math.cos((2 * Math.PI * d) / n));

/** Σ_ij K_ij·(1 − cos(θ_i − θ_j)), with cluster order[p] at angle 2πp/n: E less its constant. */
export function placementCost(k: Float64Array, order: readonly number[]): number {
  return costOf(k, order, gapCosts(order.length));
}

function costOf(k: Float64Array, order: readonly number[], gaps: Float64Array): number {
  const n = order.length;
  let cost = 0;
  for (let p = 0; p < n; p++)
    for (let q = p + 1; q < n; q++) cost += (k[order[p]! * n + order[q]!]! + k[order[q]! * n + order[p]!]!) * gaps[q - p]!;
  return cost;
}

/** Starting from `from`, each next place takes the unplaced cluster that most wants to sit beside the last one (largest K). */
function greedyChain(k: Float64Array, n: number, from: number): number[] {
  const order = [from];
  const left = new Set(Array.from({ length: n }, (_, c) => c).filter((c) => c !== from));
  while (left.size > 0) {
    const last = order[order.length - 1]!;
    let next = -1;
    for (const c of left) if (next < 0 || k[last * n + c]! > k[last * n + next]!) next = c;
    order.push(next);
    left.delete(next);
  }
  return order;
}

/** Strictly below `ref`, by more than float64 rounding of sums of its size. */
const below = (c: number, ref: number) => c < ref - 1e-12 * (1 + Math.abs(ref));

/** Reversals cost a full evaluation each (O(n²)); past this many clusters only swaps are tried. */
const MAX_REVERSAL_CLUSTERS = 32;

/** Swaps of two places and reversals of a run of places, taken while one lowers the cost. */
function localSearch(k: Float64Array, start: number[], gaps: Float64Array): { order: number[]; cost: number } {
  const order = start.slice();
  const n = order.length;
  const w = (i: number, j: number) => k[i * n + j]! + k[j * n + i]!;
  let cost = costOf(k, order, gaps);
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
        if (below(swapped, cost)) {
          swap(order, a, b);
          cost = swapped;
          improved = true;
        }
        if (n > MAX_REVERSAL_CLUSTERS) continue;
        reverse(order, a, b);
        const reversed = costOf(k, order, gaps);
        if (below(reversed, cost)) {
          cost = reversed;
          improved = true;
        } else reverse(order, a, b);
      }
  }
  return { order, cost: costOf(k, order, gaps) };
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
 * of low placementCost for `k`: the best local search from the identity and from greedy chains.
 * Exhaustive search agrees on the tests' sets up to 9 clusters. The identity is kept unless a
 * move strictly lowers its cost, and the result has cluster 0 at the top.
 */
export function headOrder(k: Float64Array, n: number): number[] {
  if (k.length !== n * n) throw new Error(`headOrder: ${k.length} values for ${n} clusters`);
  const gaps = gapCosts(n);
  const identity = Array.from({ length: n }, (_, c) => c);
  let best = localSearch(k, identity, gaps);
  for (let from = 0; from < Math.min(n, GREEDY_STARTS); from++) {
    const found = localSearch(k, greedyChain(k, n, from), gaps);
    if (below(found.cost, best.cost)) best = found;
  }
  return canonical(best.order);
}
