/**
 * The card next to the cursor: the hovered image's thumbnail, path, cluster and confidence.
 * Dropped images are shown from their File (an object URL, freed when the card moves on);
 * points from a served points.csv load their image from the server's /files/; points of feature
 * vectors have none.
 */
import type { PointSet } from './point-set.ts';
import { textToUrlPath } from './shared.ts';
import { imageBlob } from './tar-shards.ts';

/** `path` is in embed's text form (shared's path-encoding.ts), as points.csv holds it. */
export function serverImageUrl(path: string): string {
  return `/files/${textToUrlPath(path)}`;
}

export class HoverCard {
  private objectUrl = '';
  private shown = -1;
  private readonly img: HTMLImageElement;
  private readonly caption: HTMLElement;

  constructor(private readonly el: HTMLElement) {
    this.img = el.querySelector('img')!;
    this.caption = el.querySelector('.caption')!;
    // A CSV's image may not be under the served folder: say so instead of a broken-image icon.
    this.img.addEventListener('error', () => {
      this.img.hidden = true;
      this.caption.prepend('(image not found) ');
    });
  }

  show(set: PointSet, i: number, clientX: number, clientY: number, clusterName: string): void {
    if (i !== this.shown) {
      this.shown = i;
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      const file = set.files?.[i];
      this.objectUrl = file ? URL.createObjectURL(imageBlob(file)) : '';
      this.img.hidden = set.vectors === true;
      if (set.vectors) this.img.removeAttribute('src');
      else this.img.src = this.objectUrl || serverImageUrl(set.paths[i]!);
      this.caption.textContent = `${set.paths[i]} · ${clusterName} · p=${set.confidence[i]!.toFixed(3)}`;
    }
    this.el.hidden = false;
    // Keep the card inside the window, on the side of the cursor with room.
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    const x = clientX + 16 + w > innerWidth ? clientX - 16 - w : clientX + 16;
    const y = clientY + 16 + h > innerHeight ? clientY - 16 - h : clientY + 16;
    this.el.style.left = `${Math.max(0, x)}px`;
    this.el.style.top = `${Math.max(0, y)}px`;
  }

  hide(): void {
    this.el.hidden = true;
    this.shown = -1;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = '';
  }
}
