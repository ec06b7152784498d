/**
 * The region a shift-drag draws, in data units: a box, or a lasso (a closed polygon, even-odd
 * rule). Which points lie inside is asked of the grid, so only the cells under the region's
 * bounding box are looked at.
 */
import type { PointGrid } from './point-grid.ts';

export type Region = { kind: 'box'; x0: number; y0: number; x1: number; y1: number } | { kind: 'lasso'; xs: number[]; ys: number[] };

/** The box with corners (ax, ay) and (bx, by), in any order. */
export function boxRegion(ax: number, ay: number, bx: number, by: number): Region {
  return { kind: 'box', x0: Math.min(ax, bx), y0: Math.min(ay, by), x1: Math.max(ax, bx), y1: Math.max(ay, by) };
}

function extent(r: Region): { x0: number; y0: number; x1: number; y1: number } {
  if (r.kind === 'box') return r;
  return { x0: Math.min(...r.xs), y0: Math.min(...r.ys), x1: Math.max(...r.xs), y1: Math.max(...r.ys) };
}

/** 1 for each point inside the region, else 0. */
export function regionMask(grid: PointGrid, xy: Float32Array, count: number, region: Region): Uint8Array {
  const mask = new Uint8Array(count);
  const e = extent(region);
  const inside = region.kind === 'box' ? undefined : new PolygonTest(region.xs, region.ys);
  grid.visitRect(e.x0, e.y0, e.x1, e.y1, (i) => {
    const x = xy[2 * i]!;
    const y = xy[2 * i + 1]!;
    if (x >= e.x0 && x <= e.x1 && y >= e.y0 && y <= e.y1 && (!inside || inside.contains(x, y))) mask[i] = 1;
  });
  return mask;
}

/**
 * Point in polygon by counting edge crossings, with the edges sorted into horizontal bands so
 * that a point only meets the few edges that span its height (a hand-drawn lasso has hundreds).
 */
export class PolygonTest {
  private readonly bands: number[][];
  private readonly y0: number;
  private readonly h: number;

  constructor(
    private readonly xs: readonly number[],
    private readonly ys: readonly number[],
  ) {
    this.y0 = Math.min(...ys);
    const count = Math.max(1, Math.min(512, 2 * xs.length));
    this.h = (Math.max(...ys) - this.y0) / count || 1;
    this.bands = Array.from({ length: count }, () => []);
    for (let a = 0; a < xs.length; a++) {
      const b = (a + 1) % xs.length;
      const lo = this.band(Math.min(ys[a]!, ys[b]!));
      const hi = this.band(Math.max(ys[a]!, ys[b]!));
      for (let k = lo; k <= hi; k++) this.bands[k]!.push(a);
    }
  }

  private band(y: number): number {
    return Math.min(this.bands.length - 1, Math.max(0, Math.floor((y - this.y0) / this.h)));
  }

  contains(x: number, y: number): boolean {
    const { xs, ys } = this;
    let inside = false;
    for (const a of this.bands[this.band(y)]!) {
      const b = (a + 1) % xs.length;
      const ya = ys[a]!;
      const yb = ys[b]!;
      if (ya > y !== yb > y && x < ((xs[b]! - xs[a]!) * (y - ya)) / (yb - ya) + xs[a]!) inside = !inside;
    }
    return inside;
  }
}
