/**
 * The side panel over the map's left edge: the selection (its count, class and cluster counts,
 * thumbnails, download) and a clicked point's nearest neighbours. Built with textContent only:
 * paths come from files and must never become markup.
 */
import type { Neighbour } from './neighbours.ts';
import type { PointSet } from './point-set.ts';
import { categoryColor } from './shared.ts';
import { ThumbnailUrls } from './thumbs.ts';

/** Thumbnails shown at most; the count says how many there are in all. */
export const THUMBNAIL_CAP = 200;

export interface Named {
  index: ArrayLike<number>;
  names: string[];
}

type Child = Node | string;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  e.append(...children);
  return e;
}

function button(text: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', className, text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

const fmt = (n: number) => n.toLocaleString('en');

/** A heading with a close button. */
function head(title: string, onClose: () => void): HTMLElement {
  const close = button('×', 'close', onClose);
  close.setAttribute('aria-label', `close ${title.toLowerCase()}`);
  return el('div', 'panel-head', el('h2', '', title), close);
}

/** Counts per category among `indices`, largest first, with the map's colours. */
function countList(cats: Named, indices: Int32Array): HTMLElement {
  const counts = new Map<number, number>();
  for (const i of indices) counts.set(cats.index[i]!, (counts.get(cats.index[i]!) ?? 0) + 1);
  const list = el('ul', 'counts');
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])) {
    const swatch = el('span', 'swatch');
    swatch.style.background = categoryColor(k);
    const li = el('li', '', swatch, `${cats.names[k] ?? `#${k}`}: ${fmt(n)}`);
    li.dataset.name = cats.names[k] ?? '';
    li.dataset.count = String(n);
    list.append(li);
  }
  return list;
}

export interface SelectionContent {
  set: PointSet;
  indices: Int32Array;
  /** What limits the selection: 'in the box', the search, the confidence range. */
  description: string;
  clusters: Named;
  classes: Named | undefined;
}

export class SidePanel {
  private readonly selection: HTMLElement;
  private readonly neighbours: HTMLElement;
  private readonly selectionThumbs = new ThumbnailUrls();
  private readonly neighbourThumbs = new ThumbnailUrls();

  constructor(private readonly root: HTMLElement) {
    this.neighbours = el('section', '');
    this.neighbours.id = 'neighbours-panel';
    this.selection = el('section', '');
    this.selection.id = 'selection-panel';
    root.replaceChildren(this.neighbours, this.selection);
    this.clearSelection();
    this.clearNeighbours();
  }

  private toggle(): void {
    this.root.hidden = this.selection.hidden && this.neighbours.hidden;
  }

  showSelection(c: SelectionContent, actions: { download(): void; close(): void }): void {
    this.selectionThumbs.release();
    const n = c.indices.length;
    const shown = Math.min(n, THUMBNAIL_CAP);
    const download = button('Download selection', 'download-selection', actions.download);
    download.disabled = n === 0;
    const thumbs = el('div', 'thumbs');
    for (let r = 0; r < shown; r++) thumbs.append(this.selectionThumbs.thumb(c.set, c.indices[r]!));
    this.selection.replaceChildren(
      head(`Selection: ${fmt(n)} points`, actions.close),
      el('p', 'note', c.description),
      download,
      ...(c.classes ? [el('h3', '', 'Classes'), countList(c.classes, c.indices)] : []),
      el('h3', '', 'Clusters'),
      countList(c.clusters, c.indices),
      el('p', 'note', shown < n ? `The first ${fmt(shown)} of ${fmt(n)}:` : `All ${fmt(n)}:`),
      thumbs,
    );
    this.selection.dataset.count = String(n);
    this.selection.hidden = false;
    this.toggle();
  }

  clearSelection(): void {
    this.selectionThumbs.release();
    this.selection.replaceChildren();
    this.selection.dataset.count = '0';
    this.selection.hidden = true;
    this.toggle();
  }

  /** How long the last selection took to find, and with the panel and the map's highlight (for tests and benchmarks). */
  selectionTime(ms: number, totalMs: number): void {
    this.selection.dataset.ms = ms.toFixed(2);
    this.selection.dataset.totalMs = totalMs.toFixed(2);
  }

  showNeighbours(
    set: PointSet,
    i: number,
    lists: { map: Neighbour[]; style: Neighbour[]; k: number; ms: { map: number; style: number }; caption: string },
    actions: { pick(j: number): void; setK(k: number): void; close(): void },
  ): void {
    this.neighbourThumbs.release();
    const kInput = el('input', '');
    Object.assign(kInput, { type: 'number', min: '1', max: '100', value: String(lists.k), id: 'k-input' });
    kInput.addEventListener('change', () => actions.setK(Math.round(Number(kInput.value))));
    const list = (space: string, found: Neighbour[]) => {
      const box = el('div', 'thumbs neighbours');
      box.dataset.space = space;
      for (const nb of found) {
        const t = this.neighbourThumbs.thumb(set, nb.index, nb.distance.toPrecision(3));
        t.dataset.distance = String(nb.distance);
        t.addEventListener('click', () => actions.pick(nb.index));
        box.append(t);
      }
      return box;
    };
    const d = set.styleDim;
    this.neighbours.replaceChildren(
      head('Nearest neighbours', actions.close),
      this.neighbourThumbs.thumb(set, i, lists.caption),
      el('label', 'k', 'k ', kInput),
      el('h3', '', 'On the map (x, y), black rings'),
      list('map', lists.map),
      el('h3', '', d > 0 ? `In style space (z0…z${d - 1}, ${d}-D), pink rings` : 'In style space'),
      d > 0
        ? list('style', lists.style)
        : el('p', 'note', 'These points have no style vectors: open a points.csv written by embed --style, or embed the images here.'),
    );
    this.neighbours.dataset.index = String(i);
    this.neighbours.dataset.mapMs = lists.ms.map.toFixed(2);
    this.neighbours.dataset.styleMs = lists.ms.style.toFixed(2);
    this.neighbours.hidden = false;
    this.toggle();
  }

  clearNeighbours(): void {
    this.neighbourThumbs.release();
    this.neighbours.replaceChildren();
    this.neighbours.hidden = true;
    this.toggle();
  }
}
