/**
 * The page with imperfect inputs, in Debian's chromium: files left out of an embed are listed on
 * the page and downloadable as errors.csv in embed's format; an embed that yields nothing keeps
 * the map and says so as an error; "adds to the map" appends; a points.csv with a non-numeric x
 * is rejected with its record number, and a .npy of vectors given to an image model in one line;
 * the style box follows the z columns; and webgpu forced in a browser without an adapter runs on
 * wasm and says so in plain words.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { writeSampleImages } from '@aae-map/infer';
import { ERROR_COLUMNS, parseCsv } from '@aae-map/shared';
import { type RunningServer, startServer } from '@aae-map/web';
import { ARTIFACTS, openPage, type PageHarness, statusAfter } from '@aae-map/web/test-utils';
import { writeNpyF32 } from './fixtures/npy.ts';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const GOOD = 30;
let tmp: string;
let server: RunningServer;
const dir = (name: string) => join(tmp, name);

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-page-inputs-'));
  await writeRandomCheckpoint(dir('run'), { seed: 4 });
  await exportModel(dir('run'), dir('model.onnx'));
  const files = await writeSampleImages(dir('images'), GOOD);
  const png = await readFile(join(dir('images'), files[0]!));
  // A PNG cut off in its image data, as a copy interrupted half way leaves it.
  const truncated = png.subarray(0, 60);
  await writeFile(join(dir('images'), 'broken.png'), truncated);
  await writeFile(join(dir('images'), 'notes.txt'), 'not an image');
  await mkdir(dir('single'));
  await writeFile(join(dir('single'), 'broken.png'), truncated);
  await writeSampleImages(dir('extra'), 5);
  const head = 'path,x,y,cluster,confidence';
  await writeFile(dir('with-z.csv'), `${head},z0,z1\r\na/1.png,0.5,1,2,0.9,0.1,0.2\r\n`);
  await writeFile(dir('no-z.csv'), `${head}\r\na/1.png,0.5,1,2,0.9\r\nb/2.png,1,2,0,0.8\r\n`);
  await writeNpyF32(dir('vectors.npy'), Float32Array.from([1, 2, 3, 4]), 2, 2);
  await writeFile(dir('bad-x.csv'), `${head}\r\na/1.png,0.5,1,2,0.9\r\nb/2.png,abc,2,0,0.8\r\n`);
  server = await startServer({ port: 0, model: dir('model.onnx'), root: tmp });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

const count = (h: PageHarness) => h.page.getAttribute('#count', 'data-count');

/** Picks files (or a folder) in an input and waits until the run ends: a new status line, no "embedding". */
const pick = (h: PageHarness, input: string, files: string | string[]) => statusAfter(h.page, () => h.page.setInputFiles(input, files));

async function download(h: PageHarness, selector: string): Promise<{ name: string; text: string }> {
  const [d] = await Promise.all([h.page.waitForEvent('download'), h.page.click(selector)]);
  return { name: d.suggestedFilename(), text: await readFile((await d.path())!, 'utf8') };
}

test('files left out are listed with reasons and saved as errors.csv; an empty embed keeps the map; adding appends', async () => {
  const h = await openPage(server.url);
  try {
    const run = await pick(h, '#folder-input', dir('images'));
    assert.equal(run.error, false, run.text);
    assert.match(run.text, /^embedded 30 images .*; 2 files left out \(listed below\)$/);
    assert.equal(await count(h), String(GOOD));
    assert.equal(await h.page.isVisible('#problems'), true);
    assert.equal(
      await h.page.textContent('#problems summary'),
      '2 files left out of the last embed: 1 skipped (cannot be read as images), 1 ignored (not images)',
    );
    await h.page.click('#problems summary');
    await h.page.screenshot({ path: join(ARTIFACTS, 'web-left-out.png') });
    const rows = await h.page.$$eval('#problems li', (li) => li.map((e) => e.textContent));
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^broken\.png the browser cannot decode it \(.+\)$/);
    assert.match(rows[1]!, /^notes\.txt ignored: not an image file \(embed reads png, jpg, jpeg, webp, gif, tif, tiff\)$/);

    const errors = await download(h, '#problems button');
    assert.equal(errors.name, 'errors.csv');
    const csv = parseCsv(errors.text);
    assert.deepEqual(csv[0], [...ERROR_COLUMNS]);
    assert.deepEqual(
      csv.slice(1).map((r) => r[0]),
      ['broken.png', 'notes.txt'],
    );
    assert.ok(errors.text.endsWith('\r\n'), 'CRLF records, as embed writes');

    // One truncated PNG alone: nothing to show, so the 30 points stay, and the message is an error.
    const empty = await pick(h, '#images-input', join(dir('single'), 'broken.png'));
    assert.equal(empty.error, true, empty.text);
    assert.equal(empty.text, 'error: none of the 1 images could be embedded (see the list below); the map is unchanged');
    assert.equal(await count(h), String(GOOD));
    assert.equal(await h.page.isEnabled('#download'), true);
    assert.equal(await h.page.$$eval('#legend li', (li) => li.length > 0), true);

    await h.page.selectOption('#embed-mode', 'add');
    const added = await pick(h, '#folder-input', dir('extra'));
    assert.equal(added.error, false, added.text);
    assert.equal(await count(h), String(GOOD + 5));
    assert.equal(await h.page.isVisible('#problems'), false, "the list is the last embed's, which left nothing out");
    await h.page.check('#style-check');
    const points = parseCsv((await download(h, '#download')).text);
    assert.equal(points.length, 1 + GOOD + 5);
    assert.equal(points[0]!.length, 5 + 10, 'embedded points keep their style columns');
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});

test('points.csv: a non-numeric x is rejected with its record number; the style box follows the z columns', async () => {
  const h = await openPage(server.url);
  try {
    assert.equal(await h.page.isDisabled('#style-check'), true, 'nothing to download yet');
    await pick(h, '#csv-input', dir('with-z.csv'));
    assert.equal(await count(h), '1');
    assert.equal(await h.page.isEnabled('#style-check'), true);
    assert.match((await h.page.textContent('#style-hint'))!, /^style: the model's numbers for how an image is drawn .*: z0…z1$/);

    const bad = await pick(h, '#csv-input', dir('bad-x.csv'));
    assert.deepEqual(bad, { text: "error: bad-x.csv: record 3: x is 'abc', which is not a number; fix or remove that line", error: true });
    assert.equal(await count(h), '1', 'the map before the bad file stays');
    assert.deepEqual(await pick(h, '#csv-input', dir('vectors.npy')), {
      text: 'error: vectors.npy holds feature vectors; load a model trained on them first (model.onnx (server) takes 28×28 images)',
      error: true,
    });
    assert.equal(await count(h), '1');

    await pick(h, '#csv-input', dir('no-z.csv'));
    assert.equal(await count(h), '2');
    assert.equal(await h.page.isDisabled('#style-check'), true);
    assert.equal(await h.page.isChecked('#style-check'), false);
    const hint = (await h.page.textContent('#style-hint'))!;
    assert.match(hint, /^style: .*; these points have none \(no z columns\)$/);
    assert.equal(await h.page.$eval('#style-check', (el) => el.parentElement!.title), hint);
  } finally {
    await h.close();
  }
});

test('webgpu forced in a browser without an adapter: runs on wasm and says so in plain words', async () => {
  // No --enable-unsafe-webgpu: headless chromium then gives no adapter.
  const h = await openPage(`${server.url}?ep=webgpu`);
  try {
    assert.equal(await h.page.inputValue('#ep-select'), 'webgpu');
    const run = await pick(h, '#folder-input', dir('extra'));
    assert.equal(run.error, false, run.text);
    assert.equal(await h.page.getAttribute('#provider', 'data-provider'), 'wasm');
    const label = (await h.page.textContent('#provider'))!;
    assert.match(label, /^on wasm \(\d+ threads?\) · this browser has no GPU adapter for WebGPU, so this run used wasm$/);
    assert.equal(await count(h), '5');
  } finally {
    await h.close();
  }
});
