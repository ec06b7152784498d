/**
 * How well each class sits on its cluster head in the 2-D map. A map is read through its heads
 * (the page draws them), so a class whose points gather away from its head misleads the reader
 * even when the classification is right.
 *
 * For class c: its centre m is the coordinate-wise median of its test points (robust to the few
 * points that land in other clusters); its head h is the head of a cluster labelled c nearest to
 * m; the spacing s is the distance from h to the nearest other head, whatever its label. The
 * ratio |m − h| / s below 0.5 guarantees that m is nearer to h than to any other head (for any
 * other head g: |m − g| ≥ |h − g| − |m − h| ≥ s − |m − h| > |m − h|).
 */

export interface ClassHead {
  cls: number;
  /** The cluster whose head the class is measured against. */
  cluster: number;
  /** |m − h| in map units. */
  distance: number;
  /** Distance from h to the nearest other head. */
  spacing: number;
  /** distance / spacing. */
  ratio: number;
}

export interface HeadAlignment {
  /** Mean and maximum of the ratio over classes with test points and a head; null when none has both. */
  mean: number | null;
  max: number | null;
  /** One entry per class that has test points and at least one cluster labelled with it. */
  perClass: ClassHead[];
  /** Classes with test points that no cluster is labelled with, so they have no head. */
  withoutHead: number[];
}

/** Median of values, the mean of the two middle ones for an even count. */
export function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Coordinate-wise median of each label's 2-D points, keyed by label. */
export function classMedians(points: Float32Array, labels: ArrayLike<number>): Map<number, [number, number]> {
  const members = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = members.get(labels[i]!);
    if (list) list.push(i);
    else members.set(labels[i]!, [i]);
  }
  const out = new Map<number, [number, number]>();
  for (const [label, idx] of members) {
    const axis = (a: number) => median(Float64Array.from(idx, (i) => points[2 * i + a]!));
    out.set(label, [axis(0), axis(1)]);
  }
  return out;
}

const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);

/** Distance from head k to the nearest other head (Infinity with a single head). */
function spacingOf(heads: readonly (readonly number[])[], k: number): number {
  let best = Infinity;
  heads.forEach((g, j) => {
    if (j !== k) best = Math.min(best, dist(heads[k]!, g));
  });
  return best;
}

/**
 * The alignment of the test points (`points`, 2 per image, with `labels`) with the heads
 * (`heads[k]` = head of cluster k in the map), where cluster k is labelled `clusterLabels[k]`.
 */
export function headAlignment(
  points: Float32Array,
  labels: ArrayLike<number>,
  heads: readonly (readonly number[])[],
  clusterLabels: ArrayLike<number>,
): HeadAlignment {
  const perClass: ClassHead[] = [];
  const withoutHead: number[] = [];
  const medians = [...classMedians(points, labels)].sort((a, b) => a[0] - b[0]);
  for (const [cls, m] of medians) {
    let cluster = -1;
    for (let k = 0; k < heads.length; k++)
      if (clusterLabels[k] === cls && (cluster < 0 || dist(m, heads[k]!) < dist(m, heads[cluster]!))) cluster = k;
    if (cluster < 0) {
      withoutHead.push(cls);
      continue;
    }
    const distance = dist(m, heads[cluster]!);
    const spacing = spacingOf(heads, cluster);
    perClass.push({ cls, cluster, distance, spacing, ratio: distance / spacing });
  }
  const ratios = perClass.map((c) => c.ratio);
  return {
    mean: ratios.length ? ratios.reduce((s, r) => s + r, 0) / ratios.length : null,
    max: ratios.length ? Math.max(...ratios) : null,
    perClass,
    withoutHead,
  };
}
