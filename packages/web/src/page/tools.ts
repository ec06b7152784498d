/**
 * The map's tools: search and the confidence filter (which highlight points), the shift-drag
 * selection (listed in the side panel, downloadable) and a clicked point's nearest neighbours.
 * The highlight is the points passing both filters; a selection is the points in its region
 * that pass them (and are shown in the legend). While there is one, it is drawn in full colour
 * and the filters' other points half faded.
 */
import type { Categories } from './categories.ts';
import { downloadText } from './download.ts';
import { mapNeighbours, type Neighbour, styleNeighbours } from './neighbours.ts';
import type { PointSet } from './point-set.ts';
import { pointsToCsv } from './points-csv-io.ts';
import { type Region, regionMask } from './region.ts';
import type { ScatterView } from './scatter-view.ts';
import { parseQuery, searchMask } from './search.ts';
import { drawRegion, RegionGesture, type Shape } from './selection.ts';
import { SidePanel } from './side-panel.ts';
import type { ViewTransform } from './view-transform.ts';

export interface ToolsHost {
  map: ScatterView;
  /** Whether downloads carry the z columns (the page's checkbox). */
  withStyle(): boolean;
  hideHover(): void;
}

interface Loaded {
  set: PointSet;
  cluster: Categories;
  class: Categories | undefined;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (n: number) => n.toLocaleString('en');

function countOf(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}

/** Points where both masks (either may be absent) are 1; undefined when both are absent. */
function both(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a || !b) return a ?? b;
  return a.map((v, i) => v & b[i]!);
}

function confidenceMask(set: PointSet, limit: number): Uint8Array {
  const mask = new Uint8Array(set.count);
  for (let i = 0; i < set.count; i++) mask[i] = set.confidence[i]! <= limit ? 1 : 0;
  return mask;
}

export class PageTools {
  private readonly search = byId<HTMLInputElement>('search');
  private readonly searchStatus = byId('search-status');
  private readonly confidence = byId<HTMLInputElement>('confidence-max');
  private readonly confidenceValue = byId<HTMLOutputElement>('confidence-value');
  private readonly shape = byId<HTMLSelectElement>('select-shape');
  private readonly panel = new SidePanel(byId('side-panel'));
  private readonly gesture: RegionGesture;
  private loaded: Loaded | undefined;
  /** Search ∧ confidence, or undefined when neither limits anything. */
  private filter: { mask: Uint8Array; text: string } | undefined;
  private region: Region | undefined;
  private selection: Int32Array | undefined;
  private picked: { i: number; map: Neighbour[]; style: Neighbour[] } | undefined;
  private k = 10;

  constructor(private readonly host: ToolsHost) {
    const canvas = byId<HTMLCanvasElement>('map');
    this.gesture = new RegionGesture(host.map, canvas, {
      shape: () => this.shape.value as Shape,
      started: () => host.hideHover(),
      changed: () => host.map.schedule(),
      done: (r) => this.select(r),
    });
    this.search.addEventListener('input', () => this.refilter());
    this.confidence.addEventListener('input', () => this.refilter());
    this.listenForClicks(canvas);
    // For tests and scripts that need data ↔ screen positions.
    (window as unknown as { aaeMap: { view: ViewTransform } }).aaeMap = { view: host.map.view };
  }

  /** New points: filters are re-applied, the selection and neighbours cleared. */
  setPoints(set: PointSet, cluster: Categories, cls: Categories | undefined): void {
    this.loaded = { set, cluster, class: cls };
    this.region = undefined;
    this.picked = undefined;
    this.panel.clearNeighbours();
    this.refilter();
  }

  /** Categories were shown or hidden in the legend: a selection holds only points on the map. */
  coloursChanged(): void {
    if (this.region) this.reselect();
  }

  /** Draws the region and the neighbours over the map (ScatterView's overlay hook). */
  overlay(ctx: CanvasRenderingContext2D, view: ViewTransform, dpr: number): void {
    const r = this.gesture.current() ?? this.region;
    if (r) drawRegion(ctx, view, r, dpr);
    const p = this.picked;
    if (!p || !this.loaded) return;
    const { xy } = this.loaded.set;
    const ring = (i: number, radius: number, colour: string, width: number) => {
      ctx.beginPath();
      ctx.arc(view.sx(xy[2 * i]!), view.sy(xy[2 * i + 1]!), radius * dpr, 0, 2 * Math.PI);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width * dpr;
      ctx.stroke();
    };
    ctx.save();
    for (const n of p.style) ring(n.index, 5, '#d6007a', 1.5);
    for (const n of p.map) ring(n.index, 4, '#000', 1.5);
    ring(p.i, 8, '#000', 2.5);
    ctx.restore();
  }

  private refilter(): void {
    const l = this.loaded;
    const t = performance.now();
    const query = parseQuery(this.search.value);
    const bad = query && 'error' in query ? query.error : '';
    const found = l && query && !('error' in query) ? searchMask(query, l.set.paths, l.class?.index, l.class?.names) : undefined;
    const searchMs = performance.now() - t;
    const limit = Number(this.confidence.value);
    const conf = l && limit < 1 ? confidenceMask(l.set, limit) : undefined;
    const mask = both(found, conf);
    this.confidenceValue.value = limit < 1 ? `${limit.toFixed(2)}${conf ? ` (${fmt(countOf(conf))} points)` : ''}` : 'any';
    const parts = [query && !('error' in query) ? query.label : '', conf ? `with confidence ≤ ${limit.toFixed(2)}` : ''];
    this.filter = mask && { mask, text: parts.filter(Boolean).join(', ') };
    this.showSearch(bad, found, mask, searchMs);
    this.reselect();
    this.searchStatus.dataset.totalMs = (performance.now() - t).toFixed(2);
  }

  private showSearch(error: string, found: Uint8Array | undefined, mask: Uint8Array | undefined, ms: number): void {
    const s = this.searchStatus;
    s.classList.toggle('error', error !== '');
    this.search.setAttribute('aria-invalid', String(error !== ''));
    s.dataset.ms = ms.toFixed(2);
    s.dataset.count = found ? String(countOf(found)) : '';
    s.dataset.highlighted = mask ? String(countOf(mask)) : '';
    if (error) s.textContent = `${error}; nothing is highlighted`;
    else if (!found) s.textContent = '';
    else {
      const n = countOf(found);
      const shown = mask && mask !== found ? `; ${fmt(countOf(mask))} of them with the confidence asked` : '';
      s.textContent = `${fmt(n)} ${n === 1 ? 'match' : 'matches'}${shown}`;
    }
    s.title = s.textContent; // in full, should the row cut it short
  }

  private select(r: Region | undefined): void {
    this.region = r;
    this.reselect();
  }

  /** The selection is the region's points that pass the filters; the map highlights it, else the filters' points. */
  private reselect(): void {
    const l = this.loaded;
    const grid = this.host.map.pointGrid;
    if (!l || !grid || !this.region) {
      this.selection = undefined;
      this.panel.clearSelection();
      this.host.map.setEmphasis(this.filter?.mask.map((v) => 2 * v));
      return;
    }
    const t = performance.now();
    const mask = both(regionMask(grid, l.set.xy, l.set.count, this.region), this.filter?.mask)!;
    for (let i = 0; i < mask.length; i++) if (mask[i] && !this.host.map.isDrawn(i)) mask[i] = 0;
    const indices = new Int32Array(countOf(mask));
    for (let i = 0, n = 0; i < mask.length; i++) if (mask[i]) indices[n++] = i;
    this.selection = indices;
    const computed = performance.now() - t;
    const where = `in the ${this.region.kind}`;
    this.panel.showSelection(
      {
        set: l.set,
        indices,
        description: this.filter ? `${where}, ${this.filter.text}` : where,
        clusters: l.cluster,
        classes: l.class,
      },
      { download: () => this.downloadSelection(), close: () => this.select(undefined) },
    );
    // The selection in full colour; what passes the filters outside it, half faded.
    const f = this.filter?.mask;
    this.host.map.setEmphasis(mask.map((v, i) => (v ? 2 : (f?.[i] ?? 0))));
    this.panel.selectionTime(computed, performance.now() - t);
  }

  private downloadSelection(): void {
    if (this.loaded && this.selection) downloadText('selection.csv', pointsToCsv(this.loaded.set, this.host.withStyle(), this.selection));
  }

  /** A click (not the end of a pan) on a point lists its neighbours; on empty space, clears them. */
  private listenForClicks(canvas: HTMLCanvasElement): void {
    let from = { x: 0, y: 0 };
    canvas.addEventListener('pointerdown', (e) => (from = { x: e.clientX, y: e.clientY }));
    canvas.addEventListener('click', (e) => {
      if (e.shiftKey || Math.hypot(e.clientX - from.x, e.clientY - from.y) > 4) return;
      this.pick(this.host.map.pointAt(e.clientX, e.clientY));
    });
  }

  private pick(i: number): void {
    const l = this.loaded;
    const grid = this.host.map.pointGrid;
    if (!l || !grid || i < 0) {
      this.picked = undefined;
      this.panel.clearNeighbours();
      this.host.map.schedule();
      return;
    }
    const t0 = performance.now();
    const map = mapNeighbours(l.set, grid, i, this.k);
    const t1 = performance.now();
    const style = styleNeighbours(l.set, i, this.k);
    const t2 = performance.now();
    this.picked = { i, map, style };
    const name = l.cluster.names[l.set.cluster[i]!] ?? `cluster ${l.set.cluster[i]}`;
    this.panel.showNeighbours(
      l.set,
      i,
      {
        map,
        style,
        k: this.k,
        ms: { map: t1 - t0, style: t2 - t1 },
        caption: `${l.set.paths[i]} · ${name} · p=${l.set.confidence[i]!.toFixed(3)}`,
      },
      {
        pick: (j) => this.pick(j),
        setK: (k) => {
          if (k >= 1 && k <= 100) this.k = k;
          this.pick(i);
        },
        close: () => this.pick(-1),
      },
    );
    this.host.map.schedule();
  }
}
