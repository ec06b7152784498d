/**
 * The page in Debian's chromium embeds real colour photographs (20 32×32 patches of
 * scikit-image's photos, at the model's size) with an RGB model, and its downloaded points are
 * onnxruntime-node's for the same files through `embed`. The model tells colour from gray here:
 * the same patches converted to gray and replicated land far from their colour points, so a page
 * that fed gray could not pass.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { embedFolder, openModel } from '@aae-map/infer';
import { parseCsv } from '@aae-map/shared';
import { decodeBatch } from '@aae-map/shared/decode';
import { type RunningServer, startServer } from '@aae-map/web';
import { offHostRequests, openPage } from '@aae-map/web/test-utils';
import { writePatchFolder } from '../packages/train/test/photo-patches.ts';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const SIDE = 32;
/** As web-embed.test.ts: two runtimes' float32 kernels. */
const POINT_TOL = 1e-4;

let tmp: string;
let imagesDir: string;
let model: string;
let paths: string[];
let server: RunningServer;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-colour-'));
  await writeRandomCheckpoint(join(tmp, 'run'), { hidden: [64, 32], seed: 7, height: SIDE, width: SIDE, channels: 3 });
  model = join(tmp, 'model.onnx');
  await exportModel(join(tmp, 'run'), model);
  imagesDir = join(tmp, 'images');
  paths = await writePatchFolder(imagesDir, { perPhoto: 5, side: SIDE });
  server = await startServer({ port: 0, model, root: imagesDir });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** path → [x, y] from a points CSV. */
const pointsOf = (csv: string) =>
  new Map(
    parseCsv(csv)
      .slice(1)
      .map((r) => [r[0]!, [Number(r[1]), Number(r[2])]] as const),
  );

test('wasm: the page embeds colour photographs with an RGB model as embed does, and gray input would not match', async (t) => {
  const out = join(tmp, 'points.csv');
  await embedFolder({ input: imagesDir, out, model, device: 'cpu' });
  const ref = pointsOf(await readFile(out, 'utf8'));
  assert.equal(ref.size, paths.length);

  // What feeding gray would give: the files decoded to gray, each value in all three channels.
  const gray = await decodeBatch({ root: imagesDir, paths, width: SIDE, height: SIDE, channels: 1, convertColour: true });
  const node = await openModel(model, { device: 'cpu' });
  const grayOut = await node.run(
    Uint8Array.from({ length: gray.pixels.length * 3 }, (_, i) => gray.pixels[Math.floor(i / 3)]!),
    paths.length,
  );
  await node.close();
  const grayGap = Math.max(
    ...paths.map((p, i) => Math.hypot(grayOut.point[2 * i]! - ref.get(p)![0]!, grayOut.point[2 * i + 1]! - ref.get(p)![1]!)),
  );
  t.diagnostic(`largest distance between a patch's colour and gray points: ${grayGap.toFixed(3)}`);
  assert.ok(grayGap > 100 * POINT_TOL, `the model hardly tells colour from gray (${grayGap})`);

  const h = await openPage(server.url);
  try {
    await h.page.setInputFiles('#folder-input', imagesDir);
    await h.page.waitForFunction(
      () => document.getElementById('count')!.dataset.count !== '0' || document.querySelector('#run-status.error'),
      null,
      { timeout: 120_000 },
    );
    const status = await h.page.textContent('#run-status');
    assert.doesNotMatch(status!, /error/, status!);
    const [download] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#download')]);
    const page = pointsOf(await readFile((await download.path())!, 'utf8'));
    assert.deepEqual([...page.keys()].sort(), [...ref.keys()].sort());
    const worst = Math.max(...[...ref].map(([p, [x, y]]) => Math.max(Math.abs(page.get(p)![0]! - x!), Math.abs(page.get(p)![1]! - y!))));
    t.diagnostic(`max |page - embed| of the 2-D points: ${worst.toExponential(2)}`);
    assert.ok(worst <= POINT_TOL, `page vs embed: ${worst}`);
    assert.deepEqual(offHostRequests(h.requests, server.url), []);
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});
