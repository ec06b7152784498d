/**
 * The map's tools in Debian's chromium, on a real points.csv that `embed --style` wrote for 300
 * real images: search (substring, regex, class, a bad pattern), the confidence filter, box and
 * lasso selections and their Download selection (compared with the rows of the file whose points
 * lie in the region, computed here), and a clicked point's nearest neighbours on the map and in
 * style space (compared with brute force here).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { embedFolder, writeSampleImages } from '@aae-map/infer';
import { type RunningServer, startServer } from '@aae-map/web';
import {
  ARTIFACTS,
  clientToData,
  dataToClient,
  inkedFraction,
  insidePolygon,
  type MapView,
  mapView,
  openPage,
  type PageHarness,
  shiftDrag,
} from '@aae-map/web/test-utils';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const IMAGES = 300;
let tmp: string;
let server: RunningServer;
/** The file's lines (header first) and its rows as numbers, float32 as the page holds them. */
let lines: string[];
let rows: { path: string; x: number; y: number; conf: number; z: number[] }[];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-tools-'));
  await writeRandomCheckpoint(join(tmp, 'run'), { seed: 5 });
  const model = join(tmp, 'model.onnx');
  await exportModel(join(tmp, 'run'), model);
  const root = join(tmp, 'images');
  await writeSampleImages(root, IMAGES);
  const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  // Written outside the folder (embed refuses otherwise), then served from inside it.
  await embedFolder({ input: root, out: join(tmp, 'points.csv'), model, workers: 1, style: true, log: quiet });
  await copyFile(join(tmp, 'points.csv'), join(root, 'points.csv'));
  lines = (await readFile(join(root, 'points.csv'), 'utf8')).split('\r\n').slice(0, -1);
  // embed's paths here are '<digit>/<5 digits>.png': no quotes or commas to parse around.
  rows = lines.slice(1).map((l) => {
    const f = l.split(',');
    const n = (k: number) => Math.fround(Number(f[k]));
    return { path: f[0]!, x: n(1), y: n(2), conf: n(4), z: f.slice(5).map((_, j) => n(5 + j)) };
  });
  server = await startServer({ port: 0, model, root });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function open(): Promise<PageHarness> {
  const h = await openPage(`${server.url}?points=points.csv`);
  await h.page.waitForSelector(`#count[data-count="${IMAGES}"]`);
  return h;
}

const attr = (h: PageHarness, selector: string, name: string) => h.page.$eval(selector, (e, n) => (e as HTMLElement).dataset[n], name);

async function setConfidence(h: PageHarness, value: number): Promise<void> {
  await h.page.$eval(
    '#confidence-max',
    (e, v) => {
      (e as HTMLInputElement).value = String(v);
      e.dispatchEvent(new Event('input'));
    },
    value,
  );
}

/** The selection's CSV as the page downloads it. */
async function downloadSelection(h: PageHarness): Promise<string> {
  const [d] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#selection-panel .download-selection')]);
  assert.equal(d.suggestedFilename(), 'selection.csv');
  return readFile((await d.path())!, 'utf8');
}

/** What Download selection must hold for these rows: the header and their lines from the file, in file order. */
const csvOf = (picked: number[]) => [lines[0]!, ...picked.map((i) => lines[i + 1]!)].map((l) => `${l}\r\n`).join('');

test('search highlights matching paths and classes with their count; a bad regex says so in place', async () => {
  const h = await open();
  try {
    const map = async () =>
      inkedFraction(await h.page.screenshot({ clip: await h.page.$eval('#map', (c) => c.getBoundingClientRect().toJSON()) }));
    const before = await map();
    const expectCount = async (query: string, want: number) => {
      await h.page.fill('#search', query);
      await h.page.waitForSelector(`#search-status[data-count="${want}"]`);
    };
    await expectCount('3/', rows.filter((r) => r.path.includes('3/')).length);
    const few = await map();
    assert.ok(few < before * 0.6, `the other points should fade: ${few} of the pixels inked, ${before} without a search`);
    await expectCount('/^[27]\\//', rows.filter((r) => /^[27]\//.test(r.path)).length);
    await expectCount('/^5$/', rows.filter((r) => r.path.startsWith('5/')).length); // the class, by its name
    await expectCount('.PNG', IMAGES);
    assert.equal(await h.page.textContent('#search-status'), `${IMAGES} matches`);

    await h.page.fill('#search', '/[0-9/');
    await h.page.waitForSelector('#search-status.error');
    assert.equal(
      await h.page.textContent('#search-status'),
      'not a regular expression: Unterminated character class; nothing is highlighted',
    );
    assert.equal(await h.page.getAttribute('#search', 'aria-invalid'), 'true');
    assert.equal(await map(), before);

    // The confidence filter alone, then with a search: the map highlights points passing both.
    await h.page.fill('#search', '');
    await setConfidence(h, 0.5);
    const low = rows.filter((r) => r.conf <= 0.5);
    assert.equal(await h.page.textContent('#confidence-value'), `0.50 (${low.length} points)`);
    await h.page.fill('#search', '4/');
    await h.page.waitForSelector(`#search-status[data-highlighted="${low.filter((r) => r.path.includes('4/')).length}"]`);
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});

/** Client x and y of the rows' points: the q-quantile of each, and their centre. */
function spread(v: MapView, q: number): { lo: [number, number]; hi: [number, number] } {
  const pos = rows.map((r) => dataToClient(v, r.x, r.y));
  const at = (axis: 0 | 1, f: number) => Math.round(pos.map((p) => p[axis]).sort((a, b) => a - b)[Math.floor(f * (pos.length - 1))]!);
  return { lo: [at(0, q), at(1, q)], hi: [at(0, 1 - q), at(1, 1 - q)] };
}

/** The rows inside a box of client positions, computed from the file. */
function rowsInBox(v: MapView, a: [number, number], b: [number, number]): number[] {
  const [ax, ay] = clientToData(v, ...a);
  const [bx, by] = clientToData(v, ...b);
  const inside = (r: (typeof rows)[0]) =>
    r.x >= Math.min(ax, bx) && r.x <= Math.max(ax, bx) && r.y >= Math.min(ay, by) && r.y <= Math.max(ay, by);
  return rows.flatMap((r, i) => (inside(r) ? [i] : []));
}

test('shift-drag selects a box: panel counts and thumbnails, Download selection = the rows in the box, with the confidence filter', async () => {
  const h = await open();
  try {
    await h.page.check('#style-check');
    const v = await mapView(h.page);
    const { lo: a, hi: b } = spread(v, 0.2);
    const [cx, cy] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const want = rowsInBox(v, a, b);
    assert.ok(want.length > 20 && want.length < IMAGES, `a box of ${want.length} points`);
    await shiftDrag(h.page, [a, [a[0] + 40, a[1] + 30], b]);
    await h.page.waitForSelector(`#selection-panel[data-count="${want.length}"]`);
    assert.equal(await h.page.$$eval('#selection-panel .thumb', (t) => t.length), want.length);
    // Thumbnails come from the served folder.
    await h.page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('#selection-panel .thumb img'))
        .slice(0, 5)
        .every((i) => i.naturalWidth === 28),
    );
    const classCounts = await h.page.$$eval('#selection-panel .counts:first-of-type li', (li) =>
      li.map((l) => [(l as HTMLElement).dataset.name, Number((l as HTMLElement).dataset.count)]),
    );
    const byClass = new Map<string, number>();
    for (const i of want) byClass.set(rows[i]!.path[0]!, (byClass.get(rows[i]!.path[0]!) ?? 0) + 1);
    assert.deepEqual(new Map(classCounts as [string, number][]), byClass);
    await h.page.screenshot({ path: join(ARTIFACTS, 'web-tools-box.png') });
    assert.equal(await downloadSelection(h), csvOf(want));

    // A class hidden in the legend leaves the selection too: it holds what the map shows.
    await h.page.selectOption('#colour-select', 'class');
    const hidden = rows[want[0]!]!.path[0]!;
    const toggle = h.page.locator(`#legend button.category[data-name="${hidden}"]`);
    await toggle.click();
    await h.page.waitForSelector(`#selection-panel[data-count="${want.filter((i) => rows[i]!.path[0] !== hidden).length}"]`);
    await toggle.click();
    await h.page.waitForSelector(`#selection-panel[data-count="${want.length}"]`);

    // The less certain half of them (the slider moves in steps of 0.01).
    const limit = Math.floor(100 * rows[want[want.length >> 1]!]!.conf) / 100;
    await setConfidence(h, limit);
    const unsure = want.filter((i) => rows[i]!.conf <= limit);
    assert.ok(unsure.length > 0 && unsure.length < want.length, `${unsure.length} of ${want.length} at ≤ ${limit}`);
    await h.page.waitForSelector(`#selection-panel[data-count="${unsure.length}"]`);
    assert.equal(await h.page.textContent('#selection-panel .note'), `in the box, with confidence ≤ ${limit.toFixed(2)}`);
    assert.equal(await downloadSelection(h), csvOf(unsure));

    // A shift-click clears it.
    await shiftDrag(h.page, [[cx, cy]]);
    await h.page.waitForSelector('#side-panel', { state: 'hidden' });
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});

test('shift-drag with the lasso selects the points inside the drawn polygon', async () => {
  const h = await open();
  try {
    await h.page.selectOption('#select-shape', 'lasso');
    await h.page.check('#style-check');
    const v = await mapView(h.page);
    const { lo, hi } = spread(v, 0.1);
    const [cx, cy] = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2];
    const s = Math.max(hi[0] - lo[0], hi[1] - lo[1], 20) / 2;
    // A concave arrow head, so that a box or convex hull would hold points the lasso does not.
    const path = (
      [
        [-1, -1],
        [1, -0.2],
        [0.9, 1],
        [0, 0.1],
        [-1, 1],
      ] as const
    ).map(([x, y]) => [Math.round(cx + s * x), Math.round(cy + s * y)] as [number, number]);
    const data = path.map(([x, y]) => clientToData(v, x, y));
    const xs = data.map((p) => p[0]);
    const ys = data.map((p) => p[1]);
    const want = rows.flatMap((r, i) => (insidePolygon(xs, ys, r.x, r.y) ? [i] : []));
    assert.ok(want.length > 20, `a lasso of ${want.length} points`);
    await shiftDrag(h.page, path);
    await h.page.waitForSelector(`#selection-panel[data-count="${want.length}"]`);
    assert.match((await h.page.textContent('#selection-panel .note'))!, /^in the lasso$/);
    await h.page.screenshot({ path: join(ARTIFACTS, 'web-tools-lasso.png') });
    assert.equal(await downloadSelection(h), csvOf(want));
  } finally {
    await h.close();
  }
});

/** Paths of the k rows nearest row i by `dist`, by sorting all of them. */
function bruteNearest(i: number, k: number, dist: (j: number) => number): string[] {
  return rows
    .map((_, j) => j)
    .filter((j) => j !== i)
    .sort((a, b) => dist(a) - dist(b))
    .slice(0, k)
    .map((j) => rows[j]!.path);
}

test('a click lists the point’s 10 nearest on the map and in style space; k and a click on a neighbour re-ask', async () => {
  const h = await open();
  try {
    const v = await mapView(h.page);
    const scr = rows.map((r) => dataToClient(v, r.x, r.y));
    // A point at least 4 px from any other on screen, so the click picks it, and left of the legend.
    const lonely = (i: number) => scr[i]![0] < 900 && scr.every(([x, y], j) => j === i || Math.hypot(x - scr[i]![0], y - scr[i]![1]) > 4);
    const i = rows.findIndex((_, j) => j > 40 && lonely(j));
    const d2 = (j: number) => Math.hypot(rows[j]!.x - rows[i]!.x, rows[j]!.y - rows[i]!.y);
    const dz = (j: number) => Math.hypot(...rows[j]!.z.map((z, c) => z - rows[i]!.z[c]!));
    const listed = (space: string) =>
      h.page.$$eval(`#neighbours-panel [data-space=${space}] .thumb`, (t) => t.map((e) => (e as HTMLElement).dataset.path));

    await h.page.mouse.click(...scr[i]!);
    await h.page.waitForSelector(`#neighbours-panel[data-index="${i}"]`);
    assert.deepEqual(await listed('map'), bruteNearest(i, 10, d2));
    assert.deepEqual(await listed('style'), bruteNearest(i, 10, dz));
    assert.match((await h.page.textContent('#neighbours-panel'))!, /In style space \(z0…z9, 10-D\)/);
    await h.page.screenshot({ path: join(ARTIFACTS, 'web-tools-neighbours.png') });

    await h.page.fill('#k-input', '4');
    await h.page.dispatchEvent('#k-input', 'change');
    await h.page.waitForFunction(() => document.querySelectorAll('#neighbours-panel [data-space=map] .thumb').length === 4);
    assert.deepEqual(await listed('style'), bruteNearest(i, 4, dz));

    // A neighbour's thumbnail is a way to walk the map.
    const next = rows.findIndex((r) => r.path === bruteNearest(i, 1, dz)[0]);
    await h.page.click('#neighbours-panel [data-space=style] .thumb');
    await h.page.waitForSelector(`#neighbours-panel[data-index="${next}"]`);

    // A drag (a pan) is not a click on a point; a click on empty space closes the list.
    await h.page.mouse.move(v.left + 5, v.top + 5);
    await h.page.mouse.down();
    await h.page.mouse.move(v.left + 60, v.top + 40, { steps: 4 });
    await h.page.mouse.up();
    assert.equal(await attr(h, '#neighbours-panel', 'index'), String(next));
    await h.page.mouse.click(v.left + 3, v.top + 3);
    await h.page.waitForSelector('#side-panel', { state: 'hidden' });
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});
