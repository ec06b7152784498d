/**
 * Shift-drag on the map draws a box or a lasso. The listeners run in the capture phase, before
 * the map's own pan handlers, and keep a shift-drag from reaching them; a plain drag still pans.
 */
import { boxRegion, type Region } from './region.ts';
import type { ScatterView } from './scatter-view.ts';
import type { ViewTransform } from './view-transform.ts';

export type Shape = 'box' | 'lasso';

/** Lasso vertices closer than this (CSS px) to the previous one are dropped. */
const LASSO_STEP = 3;
/** A shift-click (a drag shorter than this, CSS px) clears the selection. */
const MIN_DRAG = 3;

export interface RegionEvents {
  shape(): Shape;
  started(): void;
  /** The finished region, or undefined for a shift-click. */
  done(region: Region | undefined): void;
  /** The outline changed: redraw. */
  changed(): void;
}

export class RegionGesture {
  /** The region being drawn, in data units, with the client position of its last vertex. */
  private drawing: { shape: Shape; xs: number[]; ys: number[]; x: number; y: number; far: boolean } | undefined;

  constructor(
    private readonly map: ScatterView,
    canvas: HTMLCanvasElement,
    private readonly events: RegionEvents,
  ) {
    const capture = { capture: true };
    canvas.addEventListener('pointerdown', (e) => this.down(canvas, e), capture);
    canvas.addEventListener('pointermove', (e) => this.move(e), capture);
    canvas.addEventListener('pointerup', (e) => this.up(e), capture);
    canvas.addEventListener('pointercancel', (e) => this.up(e), capture);
  }

  /** The region being drawn, if any, as it would be if the button went up now. */
  current(): Region | undefined {
    const d = this.drawing;
    if (!d) return undefined;
    if (d.shape === 'lasso') return { kind: 'lasso', xs: d.xs, ys: d.ys };
    return boxRegion(d.xs[0]!, d.ys[0]!, d.xs[d.xs.length - 1]!, d.ys[d.ys.length - 1]!);
  }

  private down(canvas: HTMLCanvasElement, e: PointerEvent): void {
    if (!e.shiftKey || e.button !== 0 || !this.map.pointGrid) return;
    e.stopImmediatePropagation();
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = this.map.dataAt(e.clientX, e.clientY);
    this.drawing = { shape: this.events.shape(), xs: [x], ys: [y], x: e.clientX, y: e.clientY, far: false };
    this.events.started();
  }

  private move(e: PointerEvent): void {
    const d = this.drawing;
    if (!d) return;
    e.stopImmediatePropagation();
    const step = Math.hypot(e.clientX - d.x, e.clientY - d.y);
    if (d.shape === 'lasso' && step < LASSO_STEP) return;
    const [x, y] = this.map.dataAt(e.clientX, e.clientY);
    if (d.shape === 'box') {
      d.xs[1] = x;
      d.ys[1] = y;
      d.far ||= step >= MIN_DRAG;
    } else {
      d.xs.push(x);
      d.ys.push(y);
      [d.x, d.y] = [e.clientX, e.clientY];
      d.far ||= d.xs.length >= 3;
    }
    this.events.changed();
  }

  private up(e: PointerEvent): void {
    if (!this.drawing) return;
    e.stopImmediatePropagation();
    const region = this.drawing.far ? this.current() : undefined;
    this.drawing = undefined;
    this.events.done(region);
  }
}

/** The region's outline, dashed, with a light fill so the points inside stay visible. */
export function drawRegion(ctx: CanvasRenderingContext2D, view: ViewTransform, r: Region, dpr: number): void {
  ctx.save();
  ctx.beginPath();
  if (r.kind === 'box') {
    ctx.rect(view.sx(r.x0), view.sy(r.y1), (r.x1 - r.x0) * view.scale, (r.y1 - r.y0) * view.scale);
  } else {
    for (let k = 0; k < r.xs.length; k++) ctx.lineTo(view.sx(r.xs[k]!), view.sy(r.ys[k]!));
    ctx.closePath();
  }
  ctx.fillStyle = 'rgba(40, 40, 40, 0.06)';
  ctx.fill('evenodd');
  ctx.setLineDash([6 * dpr, 4 * dpr]);
  ctx.lineWidth = 1.5 * dpr;
  ctx.strokeStyle = '#222';
  ctx.stroke();
  ctx.restore();
}
