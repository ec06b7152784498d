/**
 * The map tools' logic in Node, against brute force: k nearest on the map (grid rings) and in
 * style space, points in a box and in a lasso, the search's substring/regex/class matching and
 * its error for a bad pattern, and the selection's CSV rows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emphasisLayers } from '../src/page/emphasis.ts';
import { mapNeighbours, styleNeighbours } from '../src/page/neighbours.ts';
import { PointGrid } from '../src/page/point-grid.ts';
import { bounds, emptyPointSet, type PointSet } from '../src/page/point-set.ts';
import { HIDDEN, shuffledOrder } from '../src/page/point-splat.ts';
import { pointsFromCsv, pointsToCsv } from '../src/page/points-csv-io.ts';
import { boxRegion, PolygonTest, regionMask } from '../src/page/region.ts';
import { parseQuery, searchMask } from '../src/page/search.ts';
import { insidePolygon } from './browser-harness.ts';

/** Numbers in [0, 1) from a seed (a linear congruential generator). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** n points in three tight blobs plus a spread (so grid cells are very uneven), d style dims. */
function randomSet(n: number, d: number, seed: number): PointSet {
  const rand = uniform(seed);
  const set = emptyPointSet(n, d);
  for (let i = 0; i < n; i++) {
    const blob = i % 4;
    const spread = blob === 3 ? 10 : 0.3;
    set.xy[2 * i] = blob * 3 + (rand() - 0.5) * spread;
    set.xy[2 * i + 1] = (blob % 2) * 2 + (rand() - 0.5) * spread;
    set.cluster[i] = blob;
    set.confidence[i] = rand();
    for (let c = 0; c < d; c++) set.style[i * d + c] = rand() * 2 - 1;
    set.paths.push(`${['cat', 'dog', 'Cat', 'fox'][blob]}/${i}.png`);
  }
  set.count = n;
  set.xy[2 * 5] = Number.NaN; // never a neighbour, never in a region
  return set;
}

/** Distances of the k nearest by sorting all of them: what the lists must hold. */
function bruteDistances(n: number, i: number, k: number, dist: (j: number) => number): number[] {
  const all: number[] = [];
  for (let j = 0; j < n; j++) if (j !== i && !Number.isNaN(dist(j))) all.push(dist(j));
  return all.sort((a, b) => a - b).slice(0, k);
}

const close = (got: number[], want: number[], what: string) => {
  assert.equal(got.length, want.length, what);
  for (const [r, g] of got.entries())
    assert.ok(Math.abs(g - want[r]!) <= 1e-9 * Math.max(1, want[r]!), `${what}: rank ${r}: ${g} vs ${want[r]}`);
};

test('k nearest on the map (grid rings) and in style space match brute force', () => {
  const set = randomSet(6000, 7, 11);
  const grid = new PointGrid(set.xy, set.count, bounds(set), 64);
  const { xy, style } = set;
  for (const i of [0, 1, 2, 3, 77, 1234, 5999]) {
    for (const k of [1, 10, 57]) {
      const map = mapNeighbours(set, grid, i, k);
      const want = bruteDistances(set.count, i, k, (j) => Math.hypot(xy[2 * j]! - xy[2 * i]!, xy[2 * j + 1]! - xy[2 * i + 1]!));
      close(
        map.map((n) => n.distance),
        want,
        `map, point ${i}, k ${k}`,
      );
      assert.ok(!map.some((n) => n.index === i || n.index === 5));
      const zd = (j: number) => Math.hypot(...Array.from({ length: 7 }, (_, c) => style[j * 7 + c]! - style[i * 7 + c]!));
      const z = styleNeighbours(set, i, k);
      close(
        z.map((n) => n.distance),
        bruteDistances(set.count, i, k, zd),
        `style, point ${i}, k ${k}`,
      );
      for (const n of z) assert.ok(Math.abs(zd(n.index) - n.distance) < 1e-9);
    }
  }
  assert.deepEqual(styleNeighbours(randomSet(10, 0, 1), 0, 3), []);
});

test('regionMask: a box and a lasso hold exactly the points inside, found through the grid', () => {
  const set = randomSet(8000, 0, 5);
  const grid = new PointGrid(set.xy, set.count, bounds(set), 32);
  const pts = (mask: Uint8Array) => [...mask.entries()].filter(([, v]) => v).map(([i]) => i);
  const box = boxRegion(4.2, 2.9, -0.7, -1.1);
  assert.deepEqual(box, { kind: 'box', x0: -0.7, y0: -1.1, x1: 4.2, y1: 2.9 });
  const inBox = (i: number) => set.xy[2 * i]! >= -0.7 && set.xy[2 * i]! <= 4.2 && set.xy[2 * i + 1]! >= -1.1 && set.xy[2 * i + 1]! <= 2.9;
  const want = Array.from({ length: set.count }, (_, i) => i).filter(inBox);
  assert.ok(want.length > 1000);
  assert.deepEqual(pts(regionMask(grid, set.xy, set.count, box)), want);

  // A star (self-crossing edges, so even-odd leaves a pentagon hole), many vertices per band.
  const xs: number[] = [];
  const ys: number[] = [];
  for (let v = 0; v < 5; v++) {
    const a = (4 * Math.PI * v) / 5;
    xs.push(4 + 5 * Math.cos(a));
    ys.push(1 + 5 * Math.sin(a));
  }
  const lasso = pts(regionMask(grid, set.xy, set.count, { kind: 'lasso', xs, ys }));
  const wantLasso = Array.from({ length: set.count }, (_, i) => i).filter((i) => insidePolygon(xs, ys, set.xy[2 * i]!, set.xy[2 * i + 1]!));
  assert.ok(wantLasso.length > 500);
  assert.deepEqual(lasso, wantLasso);
  assert.equal(new PolygonTest(xs, ys).contains(4, 1), false, 'the star’s centre is a hole under even-odd');
});

test('search: substring in any case, /regex/flags, class names, and an error for a bad pattern', () => {
  const set = randomSet(400, 0, 2);
  const count = (text: string, classOf?: Int32Array, names?: string[]) => {
    const q = parseQuery(text);
    assert.ok(q && !('error' in q), text);
    return searchMask(q, set.paths, classOf, names).reduce((a, b) => a + b, 0);
  };
  assert.equal(parseQuery('   '), undefined);
  assert.equal(count('cat/'), 200); // cat/ and Cat/
  assert.equal(count('/^cat\\//'), 100);
  assert.equal(count('/^cat\\//i'), 200);
  assert.equal(count('/1\\.png$/g'), set.paths.filter((p) => p.endsWith('1.png')).length, 'g is dropped, or test() would skip');
  assert.equal(count('a.b'), 0, 'a substring is literal');
  // The class (top folder) is tested on its own name: ^ and $ anchor it.
  const classOf = Int32Array.from(set.paths, (p) => ['cat', 'dog', 'Cat', 'fox'].indexOf(p.split('/')[0]!));
  assert.equal(count('/^(dog|fox)$/', classOf, ['cat', 'dog', 'Cat', 'fox']), 200);
  assert.equal(count('/^(dog|fox)$/'), 0);
  const bad = parseQuery('/(unclosed/');
  assert.ok(bad && 'error' in bad);
  assert.match(bad.error, /^not a regular expression: .*Unterminated group/);
});

test('emphasisLayers draws every point once, level 0 first, in faded colours but for level 2; hidden stays hidden', () => {
  const n = 1000;
  const order = shuffledOrder(n);
  const input = {
    xy: new Float32Array(2 * n),
    order,
    colours: new Int32Array(n).fill(0),
    palette: Uint32Array.of(0xff808080, 0xff0000ff, HIDDEN),
  };
  const levels = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 2 : i % 3 === 0 ? 1 : 0));
  const layers = emphasisLayers(input, levels);
  assert.equal(layers.length, 3);
  assert.deepEqual(
    layers.map((l) => [...new Set(Array.from(l.order, (i) => levels[i]))]),
    [[0], [1], [2]],
  );
  assert.deepEqual(
    [...layers.flatMap((l) => [...l.order])].sort((a, b) => a - b),
    [...order].sort((a, b) => a - b),
  );
  // Each layer keeps the shuffled order among its points.
  const rank = new Map(Array.from(order, (i, r) => [i, r]));
  for (const l of layers) assert.ok(Array.from(l.order).every((i, r) => r === 0 || rank.get(i)! > rank.get(l.order[r - 1]!)!));
  // Red (0xff0000ff little-endian: r = 255) mixed with 80% and 50% white, then itself; HIDDEN untouched.
  assert.deepEqual(
    layers.map((l) => [l.palette[1]! & 255, (l.palette[1]! >>> 8) & 255, l.palette[2]]),
    [
      [255, 204, HIDDEN],
      [255, 128, HIDDEN],
      [255, 0, HIDDEN],
    ],
  );
  assert.deepEqual(emphasisLayers(input, undefined), [input]);
});

test('pointsToCsv writes just the selected rows, in the format of the whole file', () => {
  const csv = 'path,x,y,cluster,confidence,z0\r\na.png,1,2,0,0.5,0.25\r\nb.png,3,4,1,0.75,-1\r\nc.png,5,6,2,1,2\r\n';
  const set = pointsFromCsv(csv, 'p.csv');
  assert.equal(
    pointsToCsv(set, true, Int32Array.of(0, 2)),
    'path,x,y,cluster,confidence,z0\r\na.png,1,2,0,0.5,0.25\r\nc.png,5,6,2,1,2\r\n',
  );
  assert.equal(pointsToCsv(set, false, []), 'path,x,y,cluster,confidence\r\n');
});
