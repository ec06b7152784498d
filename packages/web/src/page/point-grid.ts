/**
 * A uniform grid over the points (counting sort into cells), so the point under the cursor is
 * found by looking at a few cells instead of all 100,000 points on every mouse move.
 */
import type { Bounds } from './view-transform.ts';

export class PointGrid {
  private readonly start: Int32Array;
  private readonly items: Int32Array;
  private readonly cell: number;

  constructor(
    private readonly xy: Float32Array,
    count: number,
    private readonly b: Bounds,
    private readonly cells = 256,
  ) {
    this.cell = Math.max(b.x1 - b.x0, b.y1 - b.y0, 1e-12) / cells;
    const cellOf = new Int32Array(count).fill(-1);
    this.start = new Int32Array(cells * cells + 1);
    for (let i = 0; i < count; i++) {
      const c = this.cellAt(xy[2 * i]!, xy[2 * i + 1]!);
      if (c < 0) continue;
      cellOf[i] = c;
      this.start[c + 1]!++;
    }
    for (let c = 0; c < cells * cells; c++) this.start[c + 1]! += this.start[c]!;
    this.items = new Int32Array(this.start[cells * cells]!);
    const fill = this.start.slice(0, cells * cells);
    for (let i = 0; i < count; i++) if (cellOf[i]! >= 0) this.items[fill[cellOf[i]!]!++] = i;
  }

  private col(v: number, lo: number): number {
    return Math.floor((v - lo) / this.cell);
  }

  /** Cell index of a point inside the bounds, else -1 (also for NaN). */
  private cellAt(x: number, y: number): number {
    const cx = Math.min(this.cells - 1, this.col(x, this.b.x0));
    const cy = Math.min(this.cells - 1, this.col(y, this.b.y0));
    return cx >= 0 && cy >= 0 ? cy * this.cells + cx : -1;
  }

  /** The point nearest (x, y) within `radius` data units among those `accept` takes, or -1. */
  nearest(x: number, y: number, radius: number, accept: (i: number) => boolean = () => true): number {
    let best = -1;
    let bestD = radius * radius;
    this.visitRect(x - radius, y - radius, x + radius, y + radius, (i) => {
      const dx = this.xy[2 * i]! - x;
      const dy = this.xy[2 * i + 1]! - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD && accept(i)) {
        bestD = d;
        best = i;
      }
    });
    return best;
  }

  /** Calls `visit` for every point in the cells that overlap the rectangle (a superset of the points in it). */
  visitRect(x0: number, y0: number, x1: number, y1: number, visit: (i: number) => void): void {
    const n = this.cells;
    const cx0 = Math.max(0, this.col(x0, this.b.x0));
    const cx1 = Math.min(n - 1, this.col(x1, this.b.x0));
    const cy0 = Math.max(0, this.col(y0, this.b.y0));
    const cy1 = Math.min(n - 1, this.col(y1, this.b.y0));
    if (cx0 > cx1) return;
    for (let cy = cy0; cy <= cy1; cy++) {
      // A row's cells are contiguous in `items`.
      for (let k = this.start[cy * n + cx0]!; k < this.start[cy * n + cx1 + 1]!; k++) visit(this.items[k]!);
    }
  }

  /**
   * The `k` points nearest (x, y), nearest first, leaving out `skip`: rings of cells outwards
   * until the next ring is farther than the k-th point found.
   */
  nearestK(x: number, y: number, k: number, skip = -1): number[] {
    const found = new NearestList(k);
    const n = this.cells;
    const qx = this.col(x, this.b.x0);
    const qy = this.col(y, this.b.y0);
    const offer = (i: number) => {
      if (i === skip) return;
      found.offer(i, (this.xy[2 * i]! - x) ** 2 + (this.xy[2 * i + 1]! - y) ** 2);
    };
    for (let r = 0; r <= 2 * n; r++) {
      // Points outside the square of rings 0..r-1 are at least (r - 1) cells away.
      const reach = Math.max(0, r - 1) * this.cell;
      if (found.full() && reach * reach > found.worst()) break;
      this.visitRing(qx, qy, r, offer);
    }
    return found.indices();
  }

  /** The cells at Chebyshev distance r from cell (qx, qy), clipped to the grid. */
  private visitRing(qx: number, qy: number, r: number, visit: (i: number) => void): void {
    const n = this.cells;
    const row = (cy: number, cx0: number, cx1: number) => {
      if (cy < 0 || cy >= n) return;
      const a = Math.max(0, cx0);
      const b = Math.min(n - 1, cx1);
      for (let k = this.start[cy * n + a]!; a <= b && k < this.start[cy * n + b + 1]!; k++) visit(this.items[k]!);
    };
    row(qy - r, qx - r, qx + r);
    if (r === 0) return;
    row(qy + r, qx - r, qx + r);
    for (let cy = qy - r + 1; cy <= qy + r - 1; cy++) {
      row(cy, qx - r, qx - r);
      row(cy, qx + r, qx + r);
    }
  }
}

/** The k smallest distances offered so far, with their points, kept sorted (k is small). */
export class NearestList {
  private readonly idx: number[] = [];
  private readonly dist: number[] = [];

  constructor(private readonly k: number) {}

  offer(i: number, d: number): void {
    if (Number.isNaN(d) || (this.full() && d >= this.worst())) return;
    let at = this.dist.length;
    while (at > 0 && this.dist[at - 1]! > d) at--;
    this.idx.splice(at, 0, i);
    this.dist.splice(at, 0, d);
    if (this.idx.length > this.k) {
      this.idx.pop();
      this.dist.pop();
    }
  }

  full(): boolean {
    return this.idx.length >= this.k;
  }

  worst(): number {
    return this.dist[this.dist.length - 1] ?? Infinity;
  }

  indices(): number[] {
    return [...this.idx];
  }
}
