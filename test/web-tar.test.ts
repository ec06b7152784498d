/**
 * Tar shards on the page, in Debian's chromium. A folder holding a shard of real MNIST PNGs (with
 * a corrupt member, a text member and an empty one), a second shard cut short inside a member,
 * and loose PNGs is embedded as `embed --input` embeds it: the same paths in the same order, the
 * same numbers (within the two runtimes' float32 rounding), and the same files left out, with the
 * CLI's reasons for the shards' own faults. A shard picked alone is named shard.tar/member, and a
 * point's thumbnail comes from its bytes in the shard.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorsPathFor, writeSampleImages } from '@aae-map/infer';
import { indexTar, parseCsv } from '@aae-map/shared';
import { type RunningServer, startServer } from '@aae-map/web';
import { hoverFirstPoint, openPage, type PageHarness, statusAfter } from '@aae-map/web/test-utils';
import { makeModel, readCsvFile, runEmbed } from './embed-helpers.ts';

/** The page's wasm against onnxruntime-node's CPU kernels, as in web-embed.test.ts. */
const TOL = { point: 1e-4, other: 1e-5 };

let tmp: string;
let model: string;
let server: RunningServer;
const dir = (name: string) => join(tmp, name);

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-tar-'));
  model = await makeModel(tmp);
  const files = await writeSampleImages(dir('images'), 90);
  await mkdir(dir('extra'));
  await writeFile(join(dir('extra'), 'bad.png'), (await readFile(join(dir('images'), files[0]!))).subarray(0, 60));
  await writeFile(join(dir('extra'), 'notes.txt'), 'not an image');
  await writeFile(join(dir('extra'), 'empty.png'), '');
  await mkdir(dir('input'));
  const tar = (name: string, members: string[], extra: string[] = []) =>
    execFileSync('tar', [
      '-cf',
      join(dir('input'), name),
      '-C',
      dir('images'),
      ...members,
      ...(extra.length ? ['-C', dir('extra'), ...extra] : []),
    ]);
  tar('a.tar', files.slice(0, 50), ['bad.png', 'notes.txt', 'empty.png']);
  tar('b.tar', files.slice(50, 75));
  const b = await readFile(join(dir('input'), 'b.tar'));
  await truncate(join(dir('input'), 'b.tar'), indexTar(b).members.filter((m) => m.type === 'file')[10]!.start + 100);
  for (const f of files.slice(75)) {
    await mkdir(dirname(join(dir('input'), 'loose', f)), { recursive: true });
    await copyFile(join(dir('images'), f), join(dir('input'), 'loose', f));
  }
  server = await startServer({ port: 0, model, root: tmp });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function download(h: PageHarness, selector: string): Promise<string[][]> {
  const [d] = await Promise.all([h.page.waitForEvent('download'), h.page.click(selector)]);
  return parseCsv(await readFile((await d.path())!, 'utf8'));
}

/** The CLI's points and errors for `input`. */
async function cliRun(input: string, name: string): Promise<{ points: string[][]; errors: string[][] }> {
  const out = dir(`${name}.csv`);
  const r = await runEmbed(['--model', model, '--input', input, '--out', out, '--style']);
  assert.equal(r.code, 3, `embed exits 3 when it skipped files: ${r.stderr}`);
  return { points: await readCsvFile(out), errors: await readCsvFile(errorsPathFor(out)) };
}

/** Same header, same paths in the same order, every number within TOL. */
function assertSamePoints(page: string[][], cli: string[][], what: string): void {
  assert.deepEqual(page[0], cli[0], `${what}: columns`);
  assert.deepEqual(
    page.slice(1).map((r) => r[0]),
    cli.slice(1).map((r) => r[0]),
    `${what}: paths and their order`,
  );
  let worst = 0;
  page.slice(1).forEach((row, i) => {
    const ref = cli[i + 1]!;
    assert.equal(row[3], ref[3], `${what}: cluster of ${row[0]}`);
    row.forEach((v, k) => {
      if (k === 0 || k === 3) return;
      const d = Math.abs(Number(v) - Number(ref[k]));
      worst = Math.max(worst, d);
      assert.ok(d <= (k <= 2 ? TOL.point : TOL.other), `${what}: ${row[0]} column ${page[0]![k]}: ${v} against ${ref[k]}`);
    });
  });
  console.log(`  ${what}: ${page.length - 1} points, max |page - embed| ${worst.toExponential(2)}`);
}

test('a folder of tar shards and loose PNGs: the points, order and left-out files of embed --input', async () => {
  const cli = await cliRun(dir('input'), 'folder');
  const h = await openPage(server.url);
  try {
    const run = await statusAfter(h.page, () => h.page.setInputFiles('#folder-input', dir('input')));
    assert.equal(run.error, false, run.text);
    await h.page.check('#style-check');
    assertSamePoints(await download(h, '#download'), cli.points, 'folder');
    assert.equal(cli.points.length - 1, 50 + 10 + 15, 'the CLI: a.tar, b.tar up to its cut, the loose files');
    await h.page.click('#problems summary');
    const left = await download(h, '#problems button');
    const rows = new Map(left.slice(1).map((r) => [r[0]!, r[1]!]));
    const cut = cli.errors.find((r) => r[1]!.startsWith('tar member cut short'))?.[0];
    assert.match(cut ?? '', /^b\.tar\//, "the CLI lists b.tar's member cut short");
    // embed's errors.csv lists bad files; the page's list adds the ignored ones.
    assert.deepEqual(
      left.slice(1).map((r) => r[0]),
      ['a.tar/bad.png', 'a.tar/empty.png', 'a.tar/notes.txt', cut],
    );
    assert.equal(cli.errors.length - 1, 3, 'the CLI: bad.png, empty.png and the cut member');
    for (const [path, reason] of cli.errors.slice(1)) {
      if (path === 'a.tar/bad.png') assert.match(rows.get(path)!, /^the browser cannot decode it/);
      else assert.equal(rows.get(path!), reason, `${path}: the CLI's reason`);
    }
    assert.match(rows.get('a.tar/notes.txt')!, /^ignored: not an image file/);
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});

test('one shard picked alone: members named a.tar/member, thumbnails from the shard', async () => {
  const cli = await cliRun(join(dir('input'), 'a.tar'), 'one');
  const h = await openPage(server.url);
  try {
    const run = await statusAfter(h.page, () => h.page.setInputFiles('#images-input', join(dir('input'), 'a.tar')));
    assert.match(run.text, /^embedded 50 images .*; 3 files left out/);
    // No file is read on its own, so the model gets every core (ort-runtime.ts).
    const threads = Number(/\((\d+) threads?\)/.exec((await h.page.textContent('#provider')) ?? '')?.[1]);
    assert.equal(threads, Math.min(4, await h.page.evaluate(() => navigator.hardwareConcurrency)), 'wasm threads');
    await h.page.check('#style-check');
    const points = await download(h, '#download');
    assertSamePoints(points, cli.points, 'a.tar');
    assert.ok(
      points.slice(1).every((r) => r[0]!.startsWith('a.tar/')),
      'named a.tar/member',
    );
    const thumb = await hoverFirstPoint(h.page);
    assert.match(thumb.src, /^blob:/);
    assert.deepEqual([thumb.w, thumb.h], [28, 28], 'the member decodes as the 28×28 digit it is');
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});
