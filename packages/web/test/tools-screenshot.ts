/**
 * Makes docs/map-page.png: serves a folder of MNIST digits with the points.csv that `embed
 * --style` wrote for it, colours by class, searches the 4s and 9s (the digits a model mixes up
 * most) and box-selects the ground between their two clusters, then saves a PNG.
 *
 *   pnpm train --epochs 2 --train-limit 10000 --test-limit 1000 --out /tmp/shot-run   # ~4 min on 2 cores, test error 12%
 *   pnpm export /tmp/model.onnx --run /tmp/shot-run
 *   pnpm sample-images --out /tmp/imgs --count 2000
 *   pnpm embed --input /tmp/imgs --out /tmp/points.csv --model /tmp/model.onnx --style && cp /tmp/points.csv /tmp/imgs/
 *   node --import tsx packages/web/test/tools-screenshot.ts /tmp/model.onnx /tmp/imgs docs/map-page.png
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer } from '../src/index.ts';
import { dataToClient, mapView, openPage, shiftDrag } from './browser-harness.ts';

const [model = 'model.onnx', root = 'images', out = 'docs/map-page.png'] = process.argv.slice(2);

/** Mean x, y of the points in folders 4 and 9 (their rows start with '4/' or '9/'). */
async function centres(): Promise<[number, number][]> {
  const rows = (await readFile(join(root, 'points.csv'), 'utf8')).split('\r\n').slice(1, -1);
  return ['4/', '9/'].map((folder) => {
    const xy = rows.filter((r) => r.startsWith(folder)).map((r) => r.split(',').slice(1, 3).map(Number));
    return [0, 1].map((c) => xy.reduce((s, p) => s + p[c]!, 0) / xy.length) as [number, number];
  });
}

const server = await startServer({ port: 0, model, root });
const h = await openPage(`${server.url}?points=points.csv`, { viewport: { width: 1200, height: 800 } });
try {
  await h.page.waitForSelector('#count:not([data-count="0"])');
  await h.page.selectOption('#colour-select', 'class');
  await h.page.fill('#search', '/^[49]$/');
  const v = await mapView(h.page);
  const [a, b] = (await centres()).map(([x, y]) => dataToClient(v, x, y));
  // A box over the middle of the line between the two centres, a third of their distance across.
  const [mx, my] = [(a![0] + b![0]) / 2, (a![1] + b![1]) / 2];
  const r = Math.max(30, Math.hypot(a![0] - b![0], a![1] - b![1]) / 3);
  await shiftDrag(h.page, [
    [Math.round(mx - r), Math.round(my - r)],
    [Math.round(mx + r), Math.round(my + r)],
  ]);
  await h.page.waitForSelector('#selection-panel:not([hidden])');
  // Thumbnails load lazily: wait for those in view.
  // Typed without the DOM lib: Node code (this file included) is type-checked without it.
  type Doc = { querySelectorAll(s: string): ArrayLike<{ naturalWidth: number }> };
  await h.page.waitForFunction(() =>
    Array.from((globalThis as unknown as { document: Doc }).document.querySelectorAll('#selection-panel .thumb img'))
      .slice(0, 48)
      .every((i) => i.naturalWidth > 0),
  );
  await h.page.mouse.move(1190, 790);
  await h.page.screenshot({ path: out });
  console.log(`${out}: ${await h.page.textContent('#search-status')}; ${await h.page.textContent('#selection-panel h2')}`);
} finally {
  await h.close();
  await server.close();
}
