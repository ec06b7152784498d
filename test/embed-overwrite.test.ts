/**
 * What embed may replace: --out only if it is a points.csv from embed (or with --overwrite),
 * <out>.errors.csv only if embed wrote it, --plot only if it is a plot from embed (or with
 * --overwrite); never the model nor a file under --input, however the path gets there
 * (symlinks count). Each refusal is one line, exit code 2, and leaves every file as it was.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorsPathFor } from '@aae-map/infer';
import { isPointsHeader, isScatterPng } from '@aae-map/shared';
import { assertRefused, makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';

const COUNT = 20;
let tmp: string;
let model: string;
let input: string;
let image: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-overwrite-'));
  model = await makeModel(tmp);
  input = join(tmp, 'images');
  image = join(input, (await mnistFolder(input, COUNT))[0]!);
});
after(() => rm(tmp, { recursive: true, force: true }));

const embed = (...args: string[]) => runEmbed(['--model', model, '--input', input, ...args]);

/** Runs embed with `args`, expects a refusal matching `message`, and that `files` kept their bytes. */
async function assertRefusedUnchanged(args: string[], message: RegExp, files: string[]): Promise<void> {
  const before = await Promise.all(files.map((f) => readFile(f)));
  assertRefused(await embed(...args), message, args.join(' '));
  for (const [i, f] of files.entries()) assert.deepEqual(await readFile(f), before[i], `${f} unchanged`);
}

test('an existing CSV that is not a points.csv is kept unless --overwrite; a points.csv from embed is replaced', async () => {
  const out = join(tmp, 'budget.csv');
  await writeFile(out, 'month,amount\r\njan,12\r\n');
  await assertRefusedUnchanged(
    ['--out', out],
    /budget\.csv already exists and is not a points\.csv from embed; pass --overwrite to replace it, or choose another --out$/,
    [out],
  );
  await assertRefusedUnchanged(['--out', out, '--resume'], /budget\.csv is not a points\.csv from embed, so --resume cannot continue it/, [
    out,
  ]);
  assert.equal((await embed('--out', out, '--overwrite')).code, 0);
  assert.equal((await readCsvFile(out)).length, COUNT + 1, 'replaced with --overwrite');
  const again = await embed('--out', out);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(isPointsHeader((await readCsvFile(out))[0]!), 'a points.csv from embed is replaced without --overwrite');
});

test('--out is never the model, even through a symlink or with --overwrite', async () => {
  await assertRefusedUnchanged(['--out', model, '--overwrite'], /--out .*model\.onnx is the model \(--model .*\); choose another --out/, [
    model,
  ]);
  const link = join(tmp, 'model-link.csv');
  await symlink(model, link);
  await assertRefusedUnchanged(['--out', link, '--overwrite'], /model-link\.csv is the model/, [model]);
});

test('<out>.errors.csv is never the model: a run would delete it', async () => {
  const named = join(tmp, 'points.csv.errors.csv');
  await copyFile(model, named);
  const r = await runEmbed(['--model', named, '--input', input, '--out', join(tmp, 'points.csv')]);
  assertRefused(r, /errors file .*points\.csv\.errors\.csv is the model/);
  assert.deepEqual(await readFile(named), await readFile(model));
});

test('--out and --plot are never under --input: not directly, not through a symlinked folder, not over an image', async () => {
  const alias = join(tmp, 'alias');
  await symlink(input, alias);
  const cases: string[][] = [
    ['--out', join(input, 'points.csv')],
    ['--out', join(alias, 'points.csv')],
    ['--out', image, '--overwrite'],
    ['--out', join(tmp, 'ok.csv'), '--plot', join(alias, '0', 'map.png')],
    ['--out', join(tmp, 'ok.csv'), '--plot', image, '--overwrite'],
  ];
  for (const args of cases)
    await assertRefusedUnchanged(args, /is inside --input .*images; write it outside the folder being embedded$/, [image]);
  await assert.rejects(stat(join(input, 'points.csv')), 'nothing written under --input');
  await assert.rejects(stat(join(tmp, 'ok.csv')), 'refused before --out was written');
});

test('an <out>.errors.csv that embed did not write is never replaced nor deleted, even with --overwrite', async () => {
  const out = join(tmp, 'notes.csv');
  const errors = errorsPathFor(out);
  await writeFile(errors, 'my own notes\n');
  for (const extra of [[], ['--overwrite'], ['--resume']]) {
    await assertRefusedUnchanged(
      ['--out', out, ...extra],
      /notes\.csv\.errors\.csv already exists and is not an errors list from embed; move it away or choose another --out$/,
      [errors],
    );
  }
  await writeFile(errors, 'path,reason\r\nold.png,empty file\r\n');
  const r = await embed('--out', out);
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(stat(errors), "embed's own errors list from an earlier run is removed by a fresh run");
});

test('--plot replaces a plot from embed, but another PNG only with --overwrite, and never --out', async () => {
  const out = join(tmp, 'plotted.csv');
  const plot = join(tmp, 'map.png');
  assert.equal((await embed('--out', out, '--plot', plot)).code, 0);
  assert.ok(isScatterPng(await readFile(plot)), 'the plot is marked as written by embed');
  assert.equal((await embed('--out', out, '--plot', plot)).code, 0, 'its own plot is replaced');
  const photo = join(tmp, 'photo.png');
  await copyFile(image, photo);
  await assertRefusedUnchanged(
    ['--out', out, '--plot', photo],
    /photo\.png already exists and is not a plot from embed; pass --overwrite to replace it, or choose another --plot$/,
    [photo, out],
  );
  assert.equal((await embed('--out', out, '--plot', photo, '--overwrite')).code, 0);
  assert.ok(isScatterPng(await readFile(photo)), 'replaced with --overwrite');
  await assertRefusedUnchanged(['--out', out, '--plot', model, '--overwrite'], /--plot .*model\.onnx is the model/, [model, out]);
  await assertRefusedUnchanged(['--out', out, '--plot', out], /--plot .*plotted\.csv is the same file as --out/, [out]);
});

test('--overwrite and --resume together are refused', async () => {
  const out = join(tmp, 'both.csv');
  assertRefused(
    await embed('--out', out, '--overwrite', '--resume'),
    /--overwrite starts --out over and --resume keeps its rows; pass only one of them/,
  );
  await assert.rejects(stat(out));
});
