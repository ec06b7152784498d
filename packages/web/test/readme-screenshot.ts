/**
 * Makes the README's screenshot: serves `model`, embeds 3,000 MNIST test digits in the page
 * (picked as a folder, like a user would), colours by folder, hovers a point, saves a PNG.
 *
 *   node --import tsx packages/web/test/readme-screenshot.ts model.onnx packages/web/screenshot.png
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSampleImages } from '@aae-map/infer';
import { startServer } from '../src/index.ts';
import { findColouredPixel, openPage } from './browser-harness.ts';

const [model = 'model.onnx', out = 'screenshot.png'] = process.argv.slice(2);
const COUNT = 3000;
const dir = await mkdtemp(join(tmpdir(), 'aae-screenshot-'));
const server = await startServer({ port: 0, model, root: dir });
const h = await openPage(server.url, { viewport: { width: 1100, height: 760 } });
try {
  await writeSampleImages(join(dir, 'digits'), COUNT);
  await h.page.setInputFiles('#folder-input', join(dir, 'digits'));
  await h.page.waitForSelector(`#count[data-count="${COUNT}"]`, { timeout: 120_000 });
  await h.page.selectOption('#colour-select', 'class');
  const top = await h.page.$eval('#map', (c) => Math.ceil(c.getBoundingClientRect().top));
  const dot = findColouredPixel(await h.page.screenshot(), { x0: 300, y0: top + 200, x1: 700, y1: 700 });
  if (dot) await h.page.mouse.move(dot[0] + 2, dot[1] + 2);
  await h.page.waitForTimeout(300);
  await h.page.screenshot({ path: out });
  console.log(`${out}: ${await h.page.textContent('#run-status')} ${await h.page.textContent('#provider')}`);
} finally {
  await h.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
