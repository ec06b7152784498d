/**
 * The map page as a place to work, in Debian's chromium: the first screen is a guide (saved as a
 * screenshot), the four file buttons are reached with Tab and open their pickers from the
 * keyboard, the draw-time figure stays away until there are points, dots grow with the zoom
 * within bounds while zooming out stops at a quarter of the fitted map, and the legend hides
 * and isolates categories (Download still writing every point).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { csvRecord, formatPointRow, pointsColumns } from '@aae-map/shared';
import { type RunningServer, startServer } from '@aae-map/web';
import { ARTIFACTS, openPage, type PageHarness } from '@aae-map/web/test-utils';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

let tmp: string;
let server: RunningServer;

/** Two points far apart, clusters 0 and 1; and 30 points in folders a, b, c. */
function csvs(): { two: string; classes: string } {
  const head = csvRecord(pointsColumns(0));
  const two = head + formatPointRow('a/1.png', -5, 0, 0, 0.9) + formatPointRow('b/2.png', 5, 0, 1, 0.9);
  let classes = head;
  for (let i = 0; i < 30; i++) classes += formatPointRow(`${'abc'[i % 3]}/${i}.png`, (i % 6) - 2.5, Math.floor(i / 6) - 2, i % 10, 0.9);
  return { two, classes };
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-page-map-'));
  await writeRandomCheckpoint(join(tmp, 'run'), { seed: 6 });
  await exportModel(join(tmp, 'run'), join(tmp, 'model.onnx'));
  const { two, classes } = csvs();
  await writeFile(join(tmp, 'two.csv'), two);
  await writeFile(join(tmp, 'classes.csv'), classes);
  server = await startServer({ port: 0, model: join(tmp, 'model.onnx'), root: tmp });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

interface Dot {
  n: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The map canvas's clearly coloured pixels, by colour ('rgb(r, g, b)', as CSS computes it): count and bounding box. */
async function colours(h: PageHarness): Promise<Record<string, Dot>> {
  await h.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return h.page.evaluate(() => {
    const c = document.getElementById('map') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const out: Record<string, Dot> = {};
    for (let p = 0; p < d.length; p += 4) {
      const [r, g, b] = [d[p]!, d[p + 1]!, d[p + 2]!];
      if (Math.max(r, g, b) - Math.min(r, g, b) <= 40) continue;
      const [x, y] = [(p / 4) % c.width, Math.floor(p / 4 / c.width)];
      const key = `rgb(${r}, ${g}, ${b})`;
      out[key] ??= { n: 0, x0: x, x1: x, y0: y, y1: y };
      const e = out[key];
      e.n++;
      [e.x0, e.x1, e.y0, e.y1] = [Math.min(e.x0, x), Math.max(e.x1, x), Math.min(e.y0, y), Math.max(e.y1, y)];
    }
    return out;
  });
}

async function openCsv(h: PageHarness, name: string, points: number): Promise<void> {
  await h.page.setInputFiles('#csv-input', join(tmp, name));
  await h.page.waitForSelector(`#count[data-count="${points}"]`);
}

test('first screen: a guide, file buttons reached with Tab and opened from the keyboard, no draw figure at 0 points', async () => {
  const h = await openPage(server.url);
  try {
    const shot = join(ARTIFACTS, 'web-first-screen.png');
    await h.page.screenshot({ path: shot });
    console.log(`  screenshot ${shot}`);
    assert.equal(await h.page.isVisible('#guide'), true);
    const guide = (await h.page.textContent('#guide'))!;
    for (const words of ['pnpm export', 'model.onnx', 'Drop a folder of images', 'pnpm sample-images', 'Open points.csv', 'pnpm embed'])
      assert.ok(guide.includes(words), `the guide does not mention ${words}`);
    assert.equal(await h.page.textContent('#draw-ms'), '');

    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await h.page.keyboard.press('Tab');
      reached.push(await h.page.evaluate(() => document.activeElement?.id ?? ''));
    }
    const inputs = ['model-input', 'images-input', 'folder-input', 'csv-input'];
    assert.deepEqual([...new Set(reached.filter((id) => inputs.includes(id)))], inputs, `Tab visited ${reached.join(', ')}`);
    // Focused, the button shows a ring, and Space opens its picker.
    await h.page.focus('#images-input');
    assert.notEqual(await h.page.$eval('#images-input', (el) => getComputedStyle(el.parentElement!).outlineStyle), 'none');
    // Under a full test run's load Chromium has, once in a while, let a key press go without a
    // picker (a 30 s wait in one of three clean-clone runs): focus and press again, a few times.
    const openPicker = async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        await h.page.focus('#images-input');
        const [picker] = await Promise.all([
          h.page.waitForEvent('filechooser', { timeout: 10_000 }).catch(() => undefined),
          h.page.keyboard.press('Space'),
        ]);
        if (picker) return picker;
      }
      return undefined;
    };
    const chooser = await openPicker();
    assert.ok(chooser, 'Space on the focused images button opened no file picker in 3 tries');
    assert.equal(chooser.isMultiple(), true);
    await chooser.setFiles([]);

    await openCsv(h, 'two.csv', 2);
    assert.equal(await h.page.isVisible('#guide'), false);
    await h.page.waitForFunction(() => /^draw \d+\.\d ms$/.test(document.getElementById('draw-ms')!.textContent!));
  } finally {
    await h.close();
  }
});

test('dots grow with the zoom up to a bound; zooming out stops at a quarter of the fitted map', async () => {
  const h = await openPage(server.url);
  try {
    await openCsv(h, 'two.csv', 2);
    const [left, right] = await h.page.$$eval('#legend .swatch', (s) => s.map((e) => getComputedStyle(e).backgroundColor));
    /** The left dot's size, and the distance between the dots when both are in view. */
    const measure = async () => {
      await h.page.mouse.move(5, 5); // off the map: no hover ring
      const c = await colours(h);
      const [a, b] = [c[left!], c[right!]];
      assert.ok(a, `no dot of ${left} in ${JSON.stringify(c)}`);
      return { size: a.x1 - a.x0 + 1, gap: b ? (b.x0 + b.x1) / 2 - (a.x0 + a.x1) / 2 : NaN, a };
    };
    const fitted = await measure();
    assert.equal(fitted.size, 5, 'few points: 5 px dots at the fitted zoom');
    const box = (await h.page.locator('#map').boundingBox())!;
    /**
     * Wheel notches about the left dot, aimed at afresh every 4 notches: its pixels place it only
     * to a pixel, and each notch multiplies the miss (36 notches in one go can throw it off the map).
     */
    const wheel = async (notches: number, dy: number) => {
      for (let done = 0; done < notches; done += 4) {
        const { a } = await measure();
        await h.page.mouse.move(box.x + (a.x0 + a.x1 + 1) / 2, box.y + (a.y0 + a.y1 + 1) / 2);
        for (let i = done; i < Math.min(notches, done + 4); i++) await h.page.mouse.wheel(0, dy);
      }
    };
    await wheel(6, -120);
    const zoomed = await measure();
    assert.ok(zoomed.size > fitted.size + 2, `dots ${zoomed.size} px after zooming in ~3x`);
    await wheel(30, -120);
    assert.equal((await measure()).size, 16, 'dots stop growing at 16 px');
    await wheel(80, 120);
    const out = await measure();
    assert.ok(Math.abs(out.gap - fitted.gap / 4) <= 2, `zoomed all the way out the map is ${out.gap} px wide, fitted ${fitted.gap}`);
    assert.ok(out.size >= 2, `dots ${out.size} px`);
  } finally {
    await h.close();
  }
});

test('legend: click hides a class (struck through), shift-click or "only" isolates one, Download still writes all', async () => {
  const h = await openPage(server.url);
  try {
    await openCsv(h, 'classes.csv', 30);
    await h.page.selectOption('#colour-select', 'class');
    const swatches = await h.page.$$eval('#legend .swatch', (s) => s.map((e) => getComputedStyle(e).backgroundColor));
    const [a, , c] = swatches;
    assert.deepEqual(Object.keys(await colours(h)).sort(), [...swatches].sort());
    const row = (name: string) => h.page.locator('#legend li', { hasText: `${name} (10)` });

    // A dot of b (the top-left corner of b's box is one, as the points lie on a grid), for hovering once b is hidden.
    const bDot = (await colours(h))[swatches[1]!]!;
    await row('b').locator('.category').click();
    assert.equal(await row('b').getAttribute('class'), 'off');
    assert.equal(await row('b').locator('.category').getAttribute('aria-pressed'), 'false');
    assert.match(
      await row('b')
        .locator('.category')
        .evaluate((e) => getComputedStyle(e).textDecorationLine),
      /line-through/,
    );
    assert.equal(await h.page.textContent('#legend-note span'), '20 of 30 points shown');
    await h.page.screenshot({ path: join(ARTIFACTS, 'web-legend-hidden.png') });
    assert.deepEqual(Object.keys(await colours(h)).sort(), [a, c].sort());
    const map = (await h.page.locator('#map').boundingBox())!;
    await h.page.mouse.move(map.x + bDot.x0 + 1, map.y + bDot.y0 + 1);
    assert.equal(await h.page.isHidden('#hover-card'), true, 'a hidden point shows no card');
    await row('b').locator('.category').click();
    await h.page.mouse.move(map.x + bDot.x0 + 1, map.y + bDot.y0 + 1);
    await h.page.waitForSelector('#hover-card:not([hidden])');
    await row('b').locator('.category').click();

    await row('c')
      .locator('.category')
      .click({ modifiers: ['Shift'] });
    assert.deepEqual(Object.keys(await colours(h)), [c]);
    assert.equal(await h.page.textContent('#legend-note span'), '10 of 30 points shown');
    // "only" on the one shown: all again.
    await row('c').hover();
    await row('c').locator('.only').click();
    assert.equal(await h.page.isVisible('#legend-note'), false);
    assert.deepEqual(Object.keys(await colours(h)).sort(), [...swatches].sort());
    await row('a').locator('.only').click();
    assert.deepEqual(Object.keys(await colours(h)), [a]);

    // Colour by cluster has its own choice; back on class, 'a' alone is still what is shown.
    await h.page.selectOption('#colour-select', 'cluster');
    assert.equal(await h.page.isVisible('#legend-note'), false);
    await h.page.selectOption('#colour-select', 'class');
    assert.equal(await h.page.textContent('#legend-note span'), '10 of 30 points shown');

    assert.match((await h.page.getAttribute('#download', 'title'))!, /all the points.*including any hidden in the legend/);
    const [d] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#download')]);
    assert.equal((await readFile((await d.path())!, 'utf8')).trimEnd().split('\r\n').length, 31);
    await h.page.locator('#legend-note button').click();
    assert.equal(await h.page.locator('#legend li.off').count(), 0);
    // From the keyboard: Enter on a focused row hides it, and focus stays on that row.
    await row('c').locator('.category').focus();
    await h.page.keyboard.press('Enter');
    assert.equal(await row('c').getAttribute('class'), 'off');
    assert.equal(await h.page.evaluate(() => (document.activeElement as HTMLElement).dataset.name), 'c');
    // The CSV's images are not in the served folder: the hovered card's thumbnail is the one 404.
    assert.deepEqual(
      h.errors.filter((e) => !e.includes('status of 404')),
      [],
    );
  } finally {
    await h.close();
  }
});
