/**
 * Data ↔ canvas pixels for the map: one scale for both axes (so the circle of cluster heads
 * stays a circle), y up, and pan and zoom about a point that stays under the cursor.
 */
export interface Bounds {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Zoomed out, the fitted map keeps a quarter of its size instead of shrinking to a dot. */
export const ZOOM_OUT = 0.25;
/** Zoomed in, float32 positions still resolve (1e5 × a map's span is far below their precision). */
export const ZOOM_IN = 1e5;

export class ViewTransform {
  /** Canvas pixels per data unit. */
  scale = 1;
  /** The scale `fit` chose; zoom is measured from it and kept within ZOOM_OUT..ZOOM_IN of it. */
  fitScale = 1;
  /** The data point at the canvas centre. */
  cx = 0;
  cy = 0;
  width = 1;
  height = 1;

  /** Shows all of `b` with a margin (a fraction of the smaller side). */
  fit(b: Bounds, margin = 0.06): void {
    const span = Math.max(b.x1 - b.x0, b.y1 - b.y0) || 1;
    this.scale = (Math.min(this.width, this.height) * (1 - 2 * margin)) / span;
    this.fitScale = this.scale;
    this.cx = (b.x0 + b.x1) / 2;
    this.cy = (b.y0 + b.y1) / 2;
  }

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
  }

  sx(x: number): number {
    return (x - this.cx) * this.scale + this.width / 2;
  }

  sy(y: number): number {
    return this.height / 2 - (y - this.cy) * this.scale;
  }

  dataX(px: number): number {
    return (px - this.width / 2) / this.scale + this.cx;
  }

  dataY(py: number): number {
    return this.cy - (py - this.height / 2) / this.scale;
  }

  panBy(dx: number, dy: number): void {
    this.cx -= dx / this.scale;
    this.cy += dy / this.scale;
  }

  /** How far the view is zoomed in from the fitted one (1 = as fitted). */
  get zoom(): number {
    return this.scale / this.fitScale;
  }

  /** Zooms by `factor`, within bounds, keeping the data point under canvas pixel (px, py) in place. */
  zoomAt(px: number, py: number, factor: number): void {
    const x = this.dataX(px);
    const y = this.dataY(py);
    this.scale = Math.min(this.fitScale * ZOOM_IN, Math.max(this.fitScale * ZOOM_OUT, this.scale * factor));
    this.cx = x - (px - this.width / 2) / this.scale;
    this.cy = y + (py - this.height / 2) / this.scale;
  }
}
