/**
 * The page in Debian's chromium, given images whose colour differs from the model's (real colour
 * photo patches and real MNIST digits as gray PNGs): unless "convert colours" is ticked, a gray
 * model leaves out the colour files and an RGB model the gray ones, listed with the reason; the
 * box, reached and ticked from the keyboard by its label, embeds them all, at `embed
 * --convert-colour`'s points.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { embedFolder, writeSampleImages } from '@aae-map/infer';
import { comparePaths, parseCsv } from '@aae-map/shared';
import { type RunningServer, startServer } from '@aae-map/web';
import { openPage, type PageHarness, statusAfter } from '@aae-map/web/test-utils';
import { writePatchFolder } from '../packages/train/test/photo-patches.ts';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const SIDE = 28;
/** As web-embed.test.ts: two runtimes' float32 kernels. */
const POINT_TOL = 1e-4;
const REASON = {
  1: 'in colour, but the model takes gray images; tick "convert colours" to convert it',
  3: 'gray, but the model takes RGB (colour) images; tick "convert colours" to convert it',
};

let tmp: string;
let images: string;
let colour: string[];
let gray: string[];
const servers: RunningServer[] = [];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-colour-mismatch-'));
  images = join(tmp, 'images');
  colour = (await writePatchFolder(join(images, 'photos'), { perPhoto: 2, side: SIDE })).map((p) => `photos/${p}`);
  gray = (await writeSampleImages(join(images, 'digits'), 6)).map((p) => `digits/${p}`);
});
after(async () => {
  for (const s of servers) await s.close();
  await rm(tmp, { recursive: true, force: true });
});

async function serve(channels: 1 | 3): Promise<{ url: string; model: string }> {
  const run = join(tmp, `run${channels}`);
  await writeRandomCheckpoint(run, { hidden: [64, 32], seed: 9, height: SIDE, width: SIDE, channels });
  const model = join(tmp, `model${channels}.onnx`);
  await exportModel(run, model);
  const server = await startServer({ port: 0, model, root: images });
  servers.push(server);
  return { url: server.url, model };
}

const pointsOf = (csv: string) =>
  new Map(
    parseCsv(csv)
      .slice(1)
      .map((r) => [r[0]!, [Number(r[1]), Number(r[2])]] as const),
  );

async function downloadPoints(h: PageHarness): Promise<Map<string, readonly number[]>> {
  const [d] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#download')]);
  return pointsOf(await readFile((await d.path())!, 'utf8'));
}

for (const channels of [1, 3] as const) {
  const refused = () => (channels === 1 ? colour : gray);
  test(`${channels === 1 ? 'gray' : 'RGB'} model: mismatching files are listed, and "convert colours" embeds them as embed does`, async () => {
    const { url, model } = await serve(channels);
    const out = join(tmp, `ref${channels}.csv`);
    await embedFolder({ input: images, out, model, device: 'cpu', convertColour: true });
    const ref = pointsOf(await readFile(out, 'utf8'));
    const h = await openPage(url);
    try {
      const first = await statusAfter(h.page, () => h.page.setInputFiles('#folder-input', images));
      assert.equal(first.error, false, first.text);
      const n = refused().length;
      assert.equal(await h.page.getAttribute('#count', 'data-count'), String(colour.length + gray.length - n));
      assert.equal(
        await h.page.textContent('#problems summary'),
        `${n} files left out of the last embed: ${n} skipped (colour differs from the model's)`,
      );
      const rows = await h.page.$$eval('#problems li', (li) => li.map((e) => e.textContent));
      assert.deepEqual(
        rows,
        [...refused()].sort(comparePaths).map((p) => `${p} ${REASON[channels]}`),
      );

      const box = h.page.getByLabel('convert colours');
      await box.focus();
      await h.page.keyboard.press('Space');
      assert.equal(await box.isChecked(), true);
      const second = await statusAfter(h.page, () => h.page.setInputFiles('#folder-input', images));
      assert.equal(second.error, false, second.text);
      assert.equal(await h.page.isVisible('#problems'), false, 'nothing left out');
      const page = await downloadPoints(h);
      assert.equal(page.size, ref.size);
      for (const [p, [x, y]] of ref) {
        const got = page.get(p);
        assert.ok(got, `${p} on the page`);
        assert.ok(Math.abs(got[0]! - x!) <= POINT_TOL && Math.abs(got[1]! - y!) <= POINT_TOL, `${p}: page ${got} vs embed ${x},${y}`);
      }
      assert.deepEqual(h.errors, []);
    } finally {
      await h.close();
    }
  });
}
