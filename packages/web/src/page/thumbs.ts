/**
 * Thumbnails in the side panel: from the dropped File (an object URL, freed when the panel is
 * redrawn) or from the server's /files/. Each carries its point's index and path in data-
 * attributes, for tests and scripts.
 */
import { serverImageUrl } from './hover-card.ts';
import type { PointSet } from './point-set.ts';
import { imageBlob } from './tar-shards.ts';

export class ThumbnailUrls {
  private urls: string[] = [];

  /** An <img> of point i, loaded when scrolled into view (a vector's path as text); `caption` goes under it. */
  thumb(set: PointSet, i: number, caption?: string): HTMLElement {
    const fig = document.createElement('figure');
    fig.className = 'thumb';
    fig.dataset.index = String(i);
    fig.dataset.path = set.paths[i]!;
    fig.title = set.paths[i]!;
    fig.append(set.vectors ? set.paths[i]! : this.image(set, i));
    if (caption !== undefined) {
      const c = document.createElement('figcaption');
      c.textContent = caption;
      fig.append(c);
    }
    return fig;
  }

  private image(set: PointSet, i: number): HTMLImageElement {
    const img = document.createElement('img');
    img.alt = set.paths[i]!;
    img.loading = 'lazy';
    img.decoding = 'async';
    const file = set.files?.[i];
    const url = file ? URL.createObjectURL(imageBlob(file)) : serverImageUrl(set.paths[i]!);
    if (file) this.urls.push(url);
    img.src = url;
    return img;
  }

  /** Frees the object URLs made since the last call. */
  release(): void {
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
  }
}
