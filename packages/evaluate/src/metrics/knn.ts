/**
 * Exact k nearest neighbours in 2-D, and the kNN classifier accuracy built on them.
 *
 * The fit points are sorted by x; a query walks outwards from its x position in both directions
 * and stops on a side once the x gap alone exceeds its current k-th distance. In a 2-D map with
 * clusters this touches a thin strip of points, so 10k queries into 60k points take well under a
 * second, and the worst case (all x equal) is still the brute-force O(n·m).
 */

export interface NeighbourOptions {
  /**
   * The query set is the fit set: a point is not its own neighbour (as sklearn's
   * `kneighbors()` without X).
   * @default false
   */
  excludeSelf?: boolean;
}

/**
 * Indices of the k nearest fit points of each query, nearest first: [queries, k] row-major.
 * Points are x0, y0, x1, y1, … Needs k ≤ the number of candidate fit points.
 */
export function nearestNeighbours2d(fit: Float32Array, query: Float32Array, k: number, opts: NeighbourOptions = {}): Int32Array {
  const nFit = fit.length / 2;
  const nQuery = query.length / 2;
  const available = opts.excludeSelf ? nFit - 1 : nFit;
  if (!Number.isInteger(k) || k < 1 || k > available) throw new RangeError(`k = ${k} needs 1 ≤ k ≤ ${available} fit points`);
  const order = sortedByX(fit);
  const xs = Float64Array.from(order, (i) => fit[2 * i]!);
  const out = new Int32Array(nQuery * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let q = 0; q < nQuery; q++) {
    const qx = query[2 * q]!;
    const qy = query[2 * q + 1]!;
    let found = 0;
    // Inserts candidate j into the sorted top-k, keeping the k smallest distances.
    const offer = (j: number) => {
      if (opts.excludeSelf && j === q) return;
      const dx = fit[2 * j]! - qx;
      const dy = fit[2 * j + 1]! - qy;
      const d = dx * dx + dy * dy;
      if (found === k && d >= bestD[k - 1]!) return;
      let p = found < k ? found++ : k - 1;
      while (p > 0 && bestD[p - 1]! > d) {
        bestD[p] = bestD[p - 1]!;
        bestI[p] = bestI[p - 1]!;
        p--;
      }
      bestD[p] = d;
      bestI[p] = j;
    };
    let right = lowerBound(xs, qx);
    let left = right - 1;
    while (left >= 0 || right < nFit) {
      const gapL = left >= 0 ? qx - xs[left]! : Infinity;
      const gapR = right < nFit ? xs[right]! - qx : Infinity;
      const useLeft = gapL <= gapR;
      const gap = useLeft ? gapL : gapR;
      // Every remaining point is at least `gap` away in x alone.
      if (found === k && gap * gap > bestD[k - 1]!) break;
      offer(order[useLeft ? left-- : right++]!);
    }
    out.set(bestI, q * k);
  }
  return out;
}

function sortedByX(points: Float32Array): Int32Array {
  const n = points.length / 2;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => points[2 * a]! - points[2 * b]!);
}

/** First index whose value is ≥ x in an ascending array. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Accuracy of a k-nearest-neighbour vote in 2-D: fit on (fitPoints, fitLabels), score on
 * (testPoints, testLabels). Uniform weights; a tied vote goes to the smallest label, as
 * sklearn's KNeighborsClassifier does.
 */
export function knnAccuracy2d(
  fitPoints: Float32Array,
  fitLabels: ArrayLike<number>,
  testPoints: Float32Array,
  testLabels: ArrayLike<number>,
  k: number,
): number {
  const nTest = testPoints.length / 2;
  if (nTest === 0) return NaN;
  const nbrs = nearestNeighbours2d(fitPoints, testPoints, k);
  let classes = 0;
  for (let i = 0; i < fitLabels.length; i++) classes = Math.max(classes, fitLabels[i]! + 1);
  const votes = new Int32Array(classes);
  let correct = 0;
  for (let q = 0; q < nTest; q++) {
    votes.fill(0);
    for (let m = 0; m < k; m++) votes[fitLabels[nbrs[q * k + m]!]!]!++;
    let best = 0;
    for (let l = 1; l < classes; l++) if (votes[l]! > votes[best]!) best = l;
    if (best === testLabels[q]) correct++;
  }
  return correct / nTest;
}
