import type { ImageRef } from './tar-shards.ts';

/** The points on the map, in columns, whether embedded in the page or read from a points.csv. */
export interface PointSet {
  count: number;
  /** x0, y0, x1, y1, ... */
  xy: Float32Array;
  cluster: Int32Array;
  confidence: Float32Array;
  /** d, or 0 when the style vectors are not known (a CSV without z columns). */
  styleDim: number;
  /** [count, styleDim] */
  style: Float32Array;
  /** As in points.csv: relative to the embedded or served folder. */
  paths: string[];
  /** The dropped files or shard members, for thumbnails; undefined (or a hole) where the images live on the server (/files/). */
  files?: (ImageRef | undefined)[];
  /** Points of feature vectors: there are no images to show, and none to ask the server for. */
  vectors?: boolean;
}

/** A set with room for `capacity` points; `count` grows as they are filled in. */
export function emptyPointSet(capacity: number, styleDim: number): PointSet {
  return {
    count: 0,
    xy: new Float32Array(2 * capacity),
    cluster: new Int32Array(capacity),
    confidence: new Float32Array(capacity),
    styleDim,
    style: new Float32Array(capacity * styleDim),
    paths: [],
  };
}

/** x/y bounds of the points and any extra points (the cluster heads), skipping non-finite ones. */
export function bounds(set: PointSet, extra: number[][] = []): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const add = (x: number, y: number) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  };
  for (let i = 0; i < set.count; i++) add(set.xy[2 * i]!, set.xy[2 * i + 1]!);
  for (const p of extra) add(p[0]!, p[1]!);
  return x0 <= x1 ? { x0, x1, y0, y1 } : { x0: -1, x1: 1, y0: -1, y1: 1 };
}

/** `b` after `a`, for "add to the map"; style columns are kept only when both sets have the same. */
export function concatPoints(a: PointSet, b: PointSet): PointSet {
  const styleDim = a.styleDim === b.styleDim ? a.styleDim : 0;
  const out = emptyPointSet(a.count + b.count, styleDim);
  for (const [s, at] of [
    [a, 0],
    [b, a.count],
  ] as const) {
    out.xy.set(s.xy.subarray(0, 2 * s.count), 2 * at);
    out.cluster.set(s.cluster.subarray(0, s.count), at);
    out.confidence.set(s.confidence.subarray(0, s.count), at);
    if (styleDim > 0) out.style.set(s.style.subarray(0, s.count * styleDim), at * styleDim);
  }
  // concat, not push(...): a spread of 100,000+ arguments overflows the stack.
  out.paths = a.paths.slice(0, a.count).concat(b.paths.slice(0, b.count));
  out.count = a.count + b.count;
  out.vectors = a.vectors && b.vectors;
  if (a.files || b.files) out.files = [...(a.files ?? new Array(a.count)), ...(b.files ?? new Array(b.count))];
  return out;
}
