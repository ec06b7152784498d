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
    const n = this.cells;
    const cx0 = Math.max(0, this.col(x - radius, this.b.x0));
    const cx1 = Math.min(n - 1, this.col(x + radius, this.b.x0));
    const cy0 = Math.max(0, this.col(y - radius, this.b.y0));
    const cy1 = Math.min(n - 1, this.col(y + radius, this.b.y0));
    let best = -1;
    let bestD = radius * radius;
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * n + cx;
        for (let k = this.start[c]!; k < this.start[c + 1]!; k++) {
          const i = this.items[k]!;
          const dx = this.xy[2 * i]! - x;
          const dy = this.xy[2 * i + 1]! - y;
          const d = dx * dx + dy * dy;
          if (d <= bestD && accept(i)) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }
}
