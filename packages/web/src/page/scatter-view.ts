/**
 * The interactive map on a <canvas>: points splatted into ImageData, heads and the hover ring on
 * top. Drag pans, the wheel zooms about the cursor, double-click refits. Redraws at most once per
 * animation frame, and reports how long each draw took.
 */
import { emphasisLayers } from './emphasis.ts';
import { drawHeads, drawRing } from './overlay-draw.ts';
import { PointGrid } from './point-grid.ts';
import { bounds, type PointSet } from './point-set.ts';
import { pointSize } from './point-size.ts';
import { HIDDEN, type SplatInput, shuffledOrder, splatPoints } from './point-splat.ts';
import { ViewTransform } from './view-transform.ts';

export interface MapContent {
  set: PointSet;
  heads: number[][];
  headLabels: string[];
}

export interface ViewEvents {
  /** The point under the cursor (-1 for none) and the cursor's client position. */
  hover(index: number, clientX: number, clientY: number): void;
  drawn(ms: number): void;
  /** Draws over the points and heads (the page's tools: selection outline, neighbours). */
  overlay?(ctx: CanvasRenderingContext2D, view: ViewTransform, dpr: number): void;
}

const BACKGROUND = 0xffffffff;
/** How close the cursor must be to a point to pick it, in CSS pixels. */
const PICK_RADIUS = 8;

export class ScatterView {
  readonly view = new ViewTransform();
  private readonly ctx: CanvasRenderingContext2D;
  private content: MapContent | undefined;
  private splat: SplatInput | undefined;
  private emphasis: Uint8Array | undefined;
  private layers: SplatInput[] = [];
  private grid: PointGrid | undefined;
  private image: ImageData | undefined;
  private hovered = -1;
  private frame = 0;
  private drag: { x: number; y: number } | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly events: ViewEvents,
  ) {
    this.ctx = canvas.getContext('2d')!;
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
    this.listen();
  }

  private get dpr(): number {
    return window.devicePixelRatio || 1;
  }

  /** New points (refits the view); `colours` and `palette` as in SplatInput. */
  setContent(content: MapContent, colours: Int32Array, palette: Uint32Array): void {
    const { set } = content;
    this.content = content;
    const b = bounds(set, content.heads);
    this.splat = { xy: set.xy, order: shuffledOrder(set.count), colours, palette };
    this.grid = new PointGrid(set.xy, set.count, bounds(set));
    this.hovered = -1;
    this.emphasis = undefined;
    this.view.fit(b);
    this.relayer();
  }

  setColours(colours: Int32Array, palette: Uint32Array): void {
    if (!this.splat) return;
    this.splat = { ...this.splat, colours, palette };
    this.relayer();
  }

  /** A level per point (emphasis.ts: 2 full colour, 1 and 0 fading); undefined: all in full colour. */
  setEmphasis(levels: Uint8Array | undefined): void {
    this.emphasis = levels;
    this.relayer();
  }

  private relayer(): void {
    this.layers = this.splat ? emphasisLayers(this.splat, this.emphasis) : [];
    this.schedule();
  }

  /** The grid over the current points, for the page's region and neighbour queries. */
  get pointGrid(): PointGrid | undefined {
    return this.grid;
  }

  /** Data coordinates under a client (CSS pixel) position. */
  dataAt(clientX: number, clientY: number): [number, number] {
    const [px, py] = this.canvasPoint(clientX, clientY);
    return [this.view.dataX(px), this.view.dataY(py)];
  }

  /** The point drawn under a client position (within the pick radius), or -1. */
  pointAt(clientX: number, clientY: number): number {
    if (!this.grid) return -1;
    const [x, y] = this.dataAt(clientX, clientY);
    return this.grid.nearest(x, y, (PICK_RADIUS * this.dpr) / this.view.scale, (k) => this.isDrawn(k));
  }

  resetView(): void {
    if (this.content) this.view.fit(bounds(this.content.set, this.content.heads));
    this.schedule();
  }

  private resize(): void {
    const w = Math.max(1, Math.round(this.canvas.clientWidth * this.dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * this.dpr));
    if (w === this.canvas.width && h === this.canvas.height && this.image) return;
    this.canvas.width = w;
    this.canvas.height = h;
    this.image = this.ctx.createImageData(w, h);
    this.view.resize(w, h);
    this.schedule();
  }

  schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frame = 0;
    const t = performance.now();
    const image = this.image!;
    const pixels = new Uint32Array(image.data.buffer);
    pixels.fill(BACKGROUND);
    const size = pointSize(this.content?.set.count ?? 0, this.view.zoom, this.dpr);
    for (const layer of this.layers) splatPoints(pixels, this.view, layer, size);
    this.ctx.putImageData(image, 0, 0);
    if (this.content) {
      drawHeads(this.ctx, this.view, this.content.heads, this.content.headLabels, this.dpr);
      const { xy } = this.content.set;
      if (this.hovered >= 0) drawRing(this.ctx, this.view.sx(xy[2 * this.hovered]!), this.view.sy(xy[2 * this.hovered + 1]!), this.dpr);
      this.events.overlay?.(this.ctx, this.view, this.dpr);
    }
    this.events.drawn(performance.now() - t);
  }

  /** Whether point i is drawn: its category is not hidden in the legend. */
  isDrawn(i: number): boolean {
    const s = this.splat;
    return !s || (s.palette[s.colours[i]! + 1] ?? s.palette[0]) !== HIDDEN;
  }

  private canvasPoint(clientX: number, clientY: number): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [(clientX - r.left) * this.dpr, (clientY - r.top) * this.dpr];
  }

  private pick(e: PointerEvent): void {
    if (!this.content) return;
    const i = this.pointAt(e.clientX, e.clientY);
    if (i !== this.hovered) {
      this.hovered = i;
      this.schedule();
    }
    this.events.hover(i, e.clientX, e.clientY);
  }

  private listen(): void {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => {
      this.drag = { x: e.clientX, y: e.clientY };
      c.setPointerCapture(e.pointerId);
      c.classList.add('dragging');
    });
    c.addEventListener('pointermove', (e) => {
      if (!this.drag) return this.pick(e);
      this.view.panBy((e.clientX - this.drag.x) * this.dpr, (e.clientY - this.drag.y) * this.dpr);
      this.drag = { x: e.clientX, y: e.clientY };
      this.schedule();
    });
    const end = () => {
      this.drag = undefined;
      c.classList.remove('dragging');
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', () => {
      if (this.hovered >= 0) this.schedule();
      this.hovered = -1;
      this.events.hover(-1, 0, 0);
    });
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const [px, py] = this.canvasPoint(e.clientX, e.clientY);
        // Lines (Firefox) and pixels (Chrome) both come out near 100 per notch.
        const delta = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY;
        this.view.zoomAt(px, py, Math.exp(-delta * 0.0015));
        this.schedule();
      },
      { passive: false },
    );
    c.addEventListener('dblclick', () => this.resetView());
  }
}
