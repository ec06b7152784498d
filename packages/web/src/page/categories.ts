/**
 * What the map's colours mean: the model's cluster, or the image's class taken from its top-level
 * folder (sample-images and ImageFolder-style datasets keep one folder per label), as
 * `embed --plot` does. Colours are the shared palette, so the page and map.png agree.
 */
import type { PointSet } from './point-set.ts';
import { categoryColor, type ModelInfo } from './shared.ts';

export type ColourMode = 'cluster' | 'class';

export interface Categories {
  /** Category of each point; -1 = none (grey). */
  index: Int32Array;
  names: string[];
  counts: number[];
}

const naturalOrder = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function countsOf(index: Int32Array, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const k of index) if (k >= 0 && k < n) counts[k]!++;
  return counts;
}

export function clusterCategories(set: PointSet, info: ModelInfo | undefined): Categories {
  let n = info?.clusters ?? 0;
  for (let i = 0; i < set.count; i++) n = Math.max(n, set.cluster[i]! + 1);
  const named = info && info.classNames.length === info.clusters;
  // 'cluster 3' when the class name is just the index (MNIST's '0'..'9'), else '3: cat'.
  const name = (k: number) =>
    named && k < info.clusters && info.classNames[k] !== String(k) ? `${k}: ${info.classNames[k]}` : `cluster ${k}`;
  const names = Array.from({ length: n }, (_, k) => name(k));
  const index = set.cluster.subarray(0, set.count);
  return { index, names, counts: countsOf(index, n) };
}

/** By top-level folder; undefined when some image is not inside a folder. */
export function classCategories(set: PointSet): Categories | undefined {
  const folders = set.paths.map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : undefined));
  if (folders.length === 0 || folders.some((f) => f === undefined)) return undefined;
  const names = [...new Set(folders as string[])].sort(naturalOrder);
  const lookup = new Map(names.map((n, k) => [n, k]));
  const index = Int32Array.from(folders, (f) => lookup.get(f!)!);
  return { index, names, counts: countsOf(index, names.length) };
}

/** Category colours as ImageData pixels (RGBA bytes read as one little-endian uint32). */
export function paletteOf(count: number): Uint32Array {
  // The canvas parses any CSS colour (the palette's hex and hsl forms alike).
  const ctx = new OffscreenCanvas(1, 1).getContext('2d', { willReadFrequently: true })!;
  const out = new Uint32Array(count + 1);
  for (let k = -1; k < count; k++) {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = categoryColor(k);
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
    out[k + 1] = (255 << 24) | (b! << 16) | (g! << 8) | r!;
  }
  // Index 0 is "no category"; callers look up colour k at k + 1.
  return out;
}
