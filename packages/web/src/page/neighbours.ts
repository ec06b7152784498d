/**
 * A point's k nearest neighbours (Euclidean), on the map through the grid, and in style space
 * (the z0..z{d-1} columns) by one pass over all points: 100,000 × 10 dimensions is ~1M
 * multiply-adds, a few ms, which a tree would not beat by enough to be worth it.
 */
import { NearestList, type PointGrid } from './point-grid.ts';
import type { PointSet } from './point-set.ts';

export interface Neighbour {
  index: number;
  distance: number;
}

const withDistances = (idx: number[], dist: (j: number) => number): Neighbour[] => idx.map((j) => ({ index: j, distance: dist(j) }));

export function mapNeighbours(set: PointSet, grid: PointGrid, i: number, k: number): Neighbour[] {
  const { xy } = set;
  const x = xy[2 * i]!;
  const y = xy[2 * i + 1]!;
  return withDistances(grid.nearestK(x, y, k, i), (j) => Math.hypot(xy[2 * j]! - x, xy[2 * j + 1]! - y));
}

/** Empty when the set has no style vectors. */
export function styleNeighbours(set: PointSet, i: number, k: number): Neighbour[] {
  const d = set.styleDim;
  if (d === 0) return [];
  const z = set.style;
  const q = z.slice(i * d, (i + 1) * d);
  const found = new NearestList(k);
  for (let j = 0; j < set.count; j++) {
    if (j === i) continue;
    let s = 0;
    for (let c = 0, o = j * d; c < d; c++) {
      const t = z[o + c]! - q[c]!;
      s += t * t;
    }
    found.offer(j, s);
  }
  return withDistances(found.indices(), (j) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += (z[j * d + c]! - q[c]!) ** 2;
    return Math.sqrt(s);
  });
}
