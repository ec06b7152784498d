/**
 * The page's logic that needs no browser, in Node: nearest-point lookup against brute force,
 * pan/zoom keeping the point under the cursor, the point splatter's pixels, the file list's
 * paths and order, and the points.csv round trip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePaths } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { imageList } from '../src/page/file-collect.ts';
import { serverImageUrl } from '../src/page/hover-card.ts';
import { PointGrid } from '../src/page/point-grid.ts';
import { bounds, concatPoints, emptyPointSet } from '../src/page/point-set.ts';
import { MAX_POINT_PX, pointSize } from '../src/page/point-size.ts';
import { shuffledOrder, splatPoints } from '../src/page/point-splat.ts';
import { pointsFromCsv, pointsToCsv } from '../src/page/points-csv-io.ts';
import { ViewTransform, ZOOM_IN, ZOOM_OUT } from '../src/page/view-transform.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('PointGrid.nearest finds what a brute-force search finds', () => {
  const rand = lcg(7);
  const n = 5000;
  const xy = new Float32Array(2 * n).map(() => rand() * 10 - 5);
  xy[10] = Number.NaN; // unplottable points are never picked
  const grid = new PointGrid(xy, n, { x0: -5, x1: 5, y0: -5, y1: 5 }, 64);
  for (let q = 0; q < 500; q++) {
    const [x, y, r] = [rand() * 12 - 6, rand() * 12 - 6, rand() * 0.5];
    let best = -1;
    let bestD = r * r;
    for (let i = 0; i < n; i++) {
      const d = (xy[2 * i]! - x) ** 2 + (xy[2 * i + 1]! - y) ** 2;
      if (d <= bestD) [best, bestD] = [i, d];
    }
    const got = grid.nearest(x, y, r);
    // Equal distances may pick either point; compare distances, not indices.
    const dist = (i: number) => (i < 0 ? -1 : (xy[2 * i]! - x) ** 2 + (xy[2 * i + 1]! - y) ** 2);
    assert.equal(dist(got), dist(best), `query ${q} at (${x}, ${y}) r=${r}`);
  }
});

test('zoomAt keeps the data point under the cursor; fit shows all points with equal axes', () => {
  const v = new ViewTransform();
  v.resize(800, 600);
  v.fit({ x0: -2, x1: 6, y0: -1, y1: 1 }, 0);
  // The longer side (x, 8 units) spans the shorter canvas side (600 px), centred.
  assertClose([v.sx(-2), v.sx(6), v.sy(0), v.sy(1)], [100, 700, 300, 225], { atol: 1e-9 });
  const before = [v.dataX(123), v.dataY(456)];
  v.zoomAt(123, 456, 3.7);
  assertClose([v.dataX(123), v.dataY(456)], before, { atol: 1e-9 });
  assertClose([v.sx(before[0]!), v.sy(before[1]!)], [123, 456], { atol: 1e-9 });
  v.panBy(10, -20);
  assertClose([v.sx(before[0]!), v.sy(before[1]!)], [133, 436], { atol: 1e-9 });
});

test('splatPoints fills a size x size square per point, clipped at the edges, skipping NaN', () => {
  const v = new ViewTransform();
  v.resize(20, 10);
  v.scale = 1;
  v.cx = 10;
  v.cy = 5; // data (x, y) lands at canvas (x, 10 - y)
  const xy = Float32Array.of(5, 5, 0, 10, Number.NaN, 3);
  const pixels = new Uint32Array(200);
  splatPoints(pixels, v, { xy, order: shuffledOrder(3), colours: Int32Array.of(0, 1, 0), palette: Uint32Array.of(9, 7, 8) }, 2);
  // Point 0 covers x 4..5, y 4..5 with colour of category 0 (palette[1]); point 1 is clipped to
  // the single pixel (0, 0) with category 1 (palette[2]).
  const lit = [...pixels.entries()].filter(([, c]) => c !== 0).map(([i, c]) => [i % 20, Math.floor(i / 20), c]);
  assert.deepEqual(
    lit.sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!),
    [
      [0, 0, 8],
      [4, 4, 7],
      [5, 4, 7],
      [4, 5, 7],
      [5, 5, 7],
    ],
  );
  assert.deepEqual(
    [...shuffledOrder(1000)].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test("imageList keeps images, strips the dropped folder's name and sorts like embed's walk", () => {
  const f = (path: string) => ({ file: new File([], path), path });
  const paths = ['pics/b/2.png', 'pics/a/10.PNG', 'pics/notes.txt', 'pics/a/9.jpg', 'pics/B.webp', 'pics/a b/1.gif'];
  const { images, ignored } = imageList(paths.map(f));
  assert.deepEqual(ignored, ['notes.txt']);
  const expected = ['b/2.png', 'a/10.PNG', 'a/9.jpg', 'B.webp', 'a b/1.gif'].sort(comparePaths);
  assert.deepEqual(
    images.map((i) => i.path),
    expected,
  );
  assert.deepEqual(expected, ['B.webp', 'a/10.PNG', 'a/9.jpg', 'a b/1.gif', 'b/2.png']);
  // Loose files, or two folders: paths stay as given.
  assert.deepEqual(
    imageList([f('x.png'), f('d/y.png')]).images.map((i) => i.path),
    ['d/y.png', 'x.png'],
  );
  // In embed's text form: a '%' before two hex digits is escaped, as embed writes it.
  assert.deepEqual(
    imageList([f('my%20cat.png'), f('100%.png')]).images.map((i) => i.path),
    ['100%.png', 'my%2520cat.png'],
  );
});

test("serverImageUrl turns embed's text-form paths into URLs of the same bytes", () => {
  assert.equal(serverImageUrl('a b/数.png'), '/files/a%20b/%E6%95%B0.png');
  assert.equal(serverImageUrl('100%.png'), '/files/100%25.png');
  assert.equal(serverImageUrl('my%2520cat.png'), '/files/my%2520cat.png');
  assert.equal(decodeURIComponent(serverImageUrl('my%2520cat.png')), '/files/my%20cat.png');
  assert.equal(serverImageUrl('caf%E9.png'), '/files/caf%E9.png');
});

test('points.csv as embed writes it (float32 in 9 digits) is read and written back byte for byte', () => {
  const csv =
    'path,x,y,cluster,confidence,z0,z1\r\n"a,""b"".png",0.100000001,-2.5,3,0.987654328,1.00000001e-7,-0\r\nc/d.png,1,2,0,1,3.40282347e+38,0.5\r\n';
  const set = pointsFromCsv(csv, 'points.csv');
  assert.equal(set.count, 2);
  assert.deepEqual(set.paths, ['a,"b".png', 'c/d.png']);
  assert.deepEqual(bounds(set), { x0: Math.fround(0.1), x1: 1, y0: -2.5, y1: 2 });
  assert.equal(pointsToCsv(set, true), csv.replace(',-0\r\n', ',0\r\n'));
  assert.equal(
    pointsToCsv(set, false),
    'path,x,y,cluster,confidence\r\n"a,""b"".png",0.100000001,-2.5,3,0.987654328\r\nc/d.png,1,2,0,1\r\n',
  );
  assert.throws(() => pointsFromCsv('file,x\r\n', 'bad.csv'), /bad.csv is not a points.csv from embed/);
  assert.throws(() => pointsFromCsv('path,x,y,cluster,confidence\r\na.png,1,2\r\n', 'short.csv'), /record 2 has 3 fields/);
  // Numbers that would be counted but drawn nowhere (NaN) or silently 0 (an empty field) reject the file.
  const head = 'path,x,y,cluster,confidence,z0\r\n';
  for (const [row, why] of [
    ['a.png,abc,2,0,1,0', "record 3: x is 'abc', which is not a number"],
    ['a.png,1,,0,1,0', "record 3: y is '', which is not a number"],
    ['a.png,1,2,1.5,1,0', "record 3: cluster is '1.5', which is not a whole number"],
    ['a.png,1,2,0,1,NaN', "record 3: z0 is 'NaN', which is not a number"],
  ]) {
    assert.throws(() => pointsFromCsv(`${head}ok.png,1,2,0,1,0\r\n${row}\r\n`, 'p.csv'), {
      message: `p.csv: ${why}; fix or remove that line`,
    });
  }
  assert.equal(emptyPointSet(3, 2).style.length, 6);
});

test('zoom stays within ZOOM_OUT..ZOOM_IN of the fitted view; dots grow with its square root up to MAX_POINT_PX', () => {
  const v = new ViewTransform();
  v.resize(800, 600);
  v.fit({ x0: -1, x1: 1, y0: -1, y1: 1 });
  for (let i = 0; i < 100; i++) v.zoomAt(400, 300, 0.5);
  assert.equal(v.zoom, ZOOM_OUT);
  for (let i = 0; i < 100; i++) v.zoomAt(400, 300, 2);
  assert.equal(v.zoom, ZOOM_IN);
  assert.deepEqual(
    [1, 4, 100].map((z) => pointSize(30, z, 1)),
    [5, 10, MAX_POINT_PX],
  );
  assert.deepEqual([pointSize(100_000, 1, 1), pointSize(100_000, ZOOM_OUT, 1), pointSize(100_000, 1, 2)], [3, 2, 6]);
});

test('concatPoints appends; style is kept only when both sets have it; thumbnails keep their source', () => {
  const set = (paths: string[], d: number, files?: File[]) => {
    const s = emptyPointSet(paths.length, d);
    paths.forEach((_, i) => {
      s.xy.set([i, -i], 2 * i);
      s.cluster[i] = i;
      s.style.fill(i + 1, i * d, (i + 1) * d);
    });
    s.count = paths.length;
    s.paths = paths;
    if (files) s.files = files;
    return s;
  };
  const dropped = new File([], 'c.png');
  const both = concatPoints(set(['a.png', 'b.png'], 2), set(['c.png'], 2, [dropped]));
  assert.equal(both.count, 3);
  assert.deepEqual(both.paths, ['a.png', 'b.png', 'c.png']);
  assert.deepEqual([...both.xy], [0, -0, 1, -1, 0, -0]);
  assert.deepEqual([...both.cluster], [0, 1, 0]);
  assert.deepEqual([...both.style], [1, 1, 2, 2, 1, 1]);
  // Served points have no File (their image comes from /files/); the dropped one keeps its own.
  assert.deepEqual(both.files, [undefined, undefined, dropped]);
  assert.equal(concatPoints(set(['a.png'], 0), set(['b.png'], 2)).styleDim, 0);
});
