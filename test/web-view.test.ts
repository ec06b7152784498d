/**
 * The page as a viewer of `embed`'s output, in Debian's chromium: a real points.csv opens with
 * the right number of points and thumbnails from the served folder, downloads back byte for
 * byte, and a 100,000-point CSV draws; the frame times of pan and zoom over it are printed (not
 * asserted: speed belongs in benchmarks).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { embedFolder, writeSampleImages } from '@aae-map/infer';
import { type RunningServer, startServer } from '@aae-map/web';
import { ARTIFACTS, colouredFraction, drawTimes, hoverFirstPoint, median, offHostRequests, openPage } from '@aae-map/web/test-utils';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';
import { syntheticPoints } from './fixtures/synthetic-points.ts';

const IMAGES = 300;
const BIG = 100_000;
let tmp: string;
let root: string;
let embedCsv: string;
let server: RunningServer;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-view-'));
  await writeRandomCheckpoint(join(tmp, 'run'), { seed: 3 });
  const model = join(tmp, 'model.onnx');
  await exportModel(join(tmp, 'run'), model);
  root = join(tmp, 'images');
  await writeSampleImages(root, IMAGES);
  embedCsv = join(tmp, 'points.csv');
  const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  await embedFolder({ input: root, out: embedCsv, model, workers: 1, log: quiet });
  await copyFile(embedCsv, join(root, 'points.csv'));
  await writeFile(join(root, 'big.csv'), syntheticPoints(BIG).csv);
  server = await startServer({ port: 0, model, root });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

test("embed's points.csv: all points, thumbnails from the served folder, downloaded back byte for byte; drops", async () => {
  const h = await openPage(server.url);
  try {
    await h.page.setInputFiles('#csv-input', embedCsv);
    await h.page.waitForSelector(`#count[data-count="${IMAGES}"]`);
    const thumb = await hoverFirstPoint(h.page);
    assert.match(thumb.src, /^\/files\/\d\/\d{5}\.png$/);
    assert.deepEqual([thumb.w, thumb.h], [28, 28]);
    await h.page.screenshot({ path: join(ARTIFACTS, 'web-view-hover.png') });

    const [download] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#download')]);
    assert.equal(await readFile((await download.path())!, 'utf8'), await readFile(embedCsv, 'utf8'));

    // The same file straight from the served folder.
    await h.page.goto(`${server.url}?points=points.csv`);
    await h.page.waitForSelector(`#count[data-count="${IMAGES}"]`);

    // Dropped on the page: first big.csv (a file the drop handler routes by name), then the model.
    const drop = (name: string, url: string) =>
      h.page.evaluate(
        async ([name, url]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([await (await fetch(url!)).blob()], name!));
          document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        },
        [name, url],
      );
    await drop('big.csv', '/files/big.csv');
    await h.page.waitForSelector(`#count[data-count="${BIG}"]`);
    await h.page.evaluate(() => (document.getElementById('model-status')!.textContent = ''));
    await drop('dropped.onnx', '/model.onnx');
    await h.page.waitForFunction(() =>
      document.getElementById('model-status')!.textContent!.startsWith('dropped.onnx: 28×28 → 10 clusters'),
    );
    assert.deepEqual(offHostRequests(h.requests, server.url), []);
    assert.deepEqual(h.errors, []);
    // The server's CSP is in force: an inline script (what a crafted file name would try to
    // smuggle in) does not run.
    const ran = await h.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'document.body.dataset.injected = "yes"';
      document.head.append(s);
      return document.body.dataset.injected === 'yes';
    });
    assert.equal(ran, false, 'an inline script ran despite the Content-Security-Policy');
    // ...and the browser reports it as a console error, which is how other tests see violations.
    await h.page.waitForFunction(() => true);
    assert.match(h.errors.join('\n'), /inline script violates the following Content Security Policy/);
  } finally {
    await h.close();
  }
});

test('100,000 points draw, and pan and zoom redraw them (frame times printed)', async () => {
  const t = performance.now();
  const h = await openPage(`${server.url}?points=big.csv`);
  try {
    await h.page.waitForSelector(`#count[data-count="${BIG}"]`);
    console.log(`  100k-point CSV: page ready in ${(performance.now() - t).toFixed(0)} ms (launch, fetch, parse, first draw)`);
    const before = await h.page.screenshot({ path: join(ARTIFACTS, 'web-view-100k.png') });
    const coloured = colouredFraction(before);
    console.log(`  screenshot ${join(ARTIFACTS, 'web-view-100k.png')}: ${(100 * coloured).toFixed(1)}% coloured pixels`);
    assert.ok(coloured > 0.05, `the 100k map looks blank: ${coloured}`);

    // Pan first, while all 100,000 points are in view; then zoom in on one blob.
    const centre = await h.page.$eval('#map', (c) => {
      const r = c.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    const pan = await drawTimes(h.page, async () => {
      await h.page.mouse.move(500, 450);
      await h.page.mouse.down();
      await h.page.mouse.move(600, 500, { steps: 30 });
      await h.page.mouse.up();
    });
    const zoom = await drawTimes(h.page, async () => {
      // Blob 0 (4 units right of the centre, ~36 px a unit at this size) after the pan.
      await h.page.mouse.move(centre.x + 100 + 4 * 36, centre.y + 50);
      for (let i = 0; i < 10; i++) await h.page.mouse.wheel(0, -120);
    });
    for (const [name, r] of [
      ['pan', pan],
      ['zoom', zoom],
    ] as const) {
      console.log(
        `  ${name}: ${r.draws.length} frames, draw median ${median(r.draws).toFixed(1)} ms, max ${Math.max(...r.draws).toFixed(1)} ms; ${(r.wallMs / r.draws.length).toFixed(1)} ms per frame end to end (playwright input included)`,
      );
      assert.ok(r.draws.length >= 3, `${name} redrew only ${r.draws.length} times`);
    }
    const afterShot = await h.page.screenshot({ path: join(ARTIFACTS, 'web-view-100k-zoomed.png') });
    assert.notDeepEqual(afterShot, before, 'pan and zoom did not change the picture');
    // Zoomed about the cursor, the blob under it stays in view (zooming about the wrong point
    // leaves an empty, white canvas).
    assert.ok(colouredFraction(afterShot) > 0.05, `zoomed-in view: ${colouredFraction(afterShot)} coloured`);

    await h.page.selectOption('#colour-select', 'class');
    assert.equal(await h.page.$$eval('#legend li', (li) => li.length), 10);
    assert.deepEqual(offHostRequests(h.requests, server.url), []);
  } finally {
    await h.close();
  }
});
