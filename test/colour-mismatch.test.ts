/**
 * Images whose colour differs from the model's, through the real `embed` and `evaluate` bins, on
 * real colour photographs (patches of scikit-image's photos, as PNG at the model's size and as
 * JPEG) and real MNIST digits (gray PNGs, one gray JPEG, one stored as RGB):
 * - a gray model lists the colour files as bad (stderr and <out>.errors.csv, exit 3) and embeds
 *   the rest; with --convert-colour it embeds them all, at the points of sharp's gray conversion;
 * - an RGB model lists the gray-typed files (not the gray digit stored as RGB) likewise, and with
 *   --convert-colour embeds them at the points of sharp's sRGB conversion;
 * - evaluate on a folder holding one colour file refuses the run in one line naming it and the
 *   flag, writing nothing, and scores every image with --convert-colour.
 */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeWithSharp, openModel, writeSampleImages } from '@aae-map/infer';
import { parseCsv, readMnist } from '@aae-map/shared';
import { writeGray } from '../packages/train/test/image-fixtures.ts';
import { writeGrayAsRgb, writePatchFolder } from '../packages/train/test/photo-patches.ts';
import { assertRefused, makeModel, runEmbed, runNode } from './embed-helpers.ts';

const SIDE = 28;
const EVALUATE_BIN = fileURLToPath(new URL('../packages/evaluate/bin/evaluate.js', import.meta.url));
/** One runtime on the same pixels, in batches of other sizes. */
const POINT_TOL = 1e-5;
const TO_GRAY = 'in colour, but the model takes gray images; pass --convert-colour to convert it';
const TO_RGB = 'gray, but the model takes RGB (colour) images; pass --convert-colour to convert it';

let tmp: string;
let input: string;
let grayModel: string;
let rgbModel: string;
/** Paths under `input` by kind. */
let colour: string[];
let grayTyped: string[];
const GRAY_AS_RGB = 'gray-as-rgb/b.png';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'colour-mismatch-'));
  input = join(tmp, 'mixed');
  const png = (await writePatchFolder(join(input, 'photos'), { perPhoto: 2, side: SIDE })).map((p) => `photos/${p}`);
  const jpg = (await writePatchFolder(join(input, 'jpeg'), { perPhoto: 1, side: 40, format: 'jpeg' })).map((p) => `jpeg/${p}`);
  colour = [...png, ...jpg];
  const mnist = await readMnist('test');
  // MNIST's first 12 test digits as gray PNGs (colour type 0), as embed's benchmarks use them.
  const digits = (await writeSampleImages(join(input, 'digits'), 12)).map((p) => `digits/${p}`);
  await writeGray(join(input, 'digit-jpg/a.jpg'), mnist.pixels.subarray(784 * 20, 784 * 21), 28, 28, 'jpg', true);
  await writeGrayAsRgb(join(input, GRAY_AS_RGB), mnist.pixels.subarray(784 * 21, 784 * 22), 28, 28);
  grayTyped = [...digits, 'digit-jpg/a.jpg'];
  await mkdir(join(tmp, 'g'));
  await mkdir(join(tmp, 'c'));
  grayModel = await makeModel(join(tmp, 'g'), { height: SIDE, width: SIDE, channels: 1 });
  rgbModel = await makeModel(join(tmp, 'c'), { height: SIDE, width: SIDE, channels: 3 });
});
after(() => rm(tmp, { recursive: true, force: true }));

/** path → [x, y] of a points CSV. */
async function points(file: string): Promise<Map<string, number[]>> {
  const rows = parseCsv(await readFile(file, 'utf8')).slice(1);
  return new Map(rows.map((r) => [r[0]!, [Number(r[1]), Number(r[2])]]));
}

/** The points of `paths` from the model run on sharp's conversion (the JS paths equal it, decode.test.ts): embed's before colour was checked. */
async function convertedPoints(model: string, paths: string[], channels: 1 | 3): Promise<Map<string, number[]>> {
  const pixels = new Uint8Array(paths.length * SIDE * SIDE * channels);
  for (const [i, p] of paths.entries())
    await decodeWithSharp(await readFile(join(input, p)), SIDE, SIDE, pixels, i * SIDE * SIDE * channels, undefined, channels, true);
  const m = await openModel(model, { device: 'cpu' });
  const out = await m.run(pixels, paths.length);
  await m.close();
  return new Map(paths.map((p, i) => [p, [out.point[2 * i]!, out.point[2 * i + 1]!]]));
}

function assertClose(got: Map<string, number[]>, want: Map<string, number[]>): void {
  for (const [p, [x, y]] of want) {
    const g = got.get(p);
    assert.ok(g, `${p} embedded`);
    assert.ok(Math.abs(g[0]! - x!) <= POINT_TOL && Math.abs(g[1]! - y!) <= POINT_TOL, `${p}: ${g} vs ${x},${y}`);
  }
}

/** Runs embed without and with --convert-colour; checks that `refused` are listed with `reason` and then converted. */
async function checkEmbed(model: string, name: string, refused: string[], reason: string, channels: 1 | 3): Promise<void> {
  const all = [...colour, ...grayTyped, GRAY_AS_RGB].sort();
  const out = join(tmp, `${name}.csv`);
  const r = await runEmbed(['--model', model, '--input', input, '--out', out, '--workers', '1']);
  assert.equal(r.code, 3, r.stderr);
  for (const p of refused) assert.ok(r.stderr.includes(`skipped ${p}: ${reason}\n`), `${p} on stderr: ${r.stderr}`);
  const errors = parseCsv(await readFile(`${out}.errors.csv`, 'utf8')).slice(1);
  assert.deepEqual(errors.map((e) => e[0]).sort(), [...refused].sort());
  for (const e of errors) assert.equal(e[1], reason);
  const kept = await points(out);
  assert.deepEqual(
    [...kept.keys()].sort(),
    all.filter((p) => !refused.includes(p)),
  );

  const converted = join(tmp, `${name}-converted.csv`);
  const c = await runEmbed(['--model', model, '--input', input, '--out', converted, '--workers', '1', '--convert-colour']);
  assert.equal(c.code, 0, c.stderr);
  const every = await points(converted);
  assert.deepEqual([...every.keys()].sort(), all);
  assertClose(every, kept);
  assertClose(every, await convertedPoints(model, refused, channels));
}

test('embed with a gray model lists colour files (PNG and JPEG) as bad, and converts them with --convert-colour', async () => {
  await checkEmbed(grayModel, 'gray', colour, TO_GRAY, 1);
});

test('embed with an RGB model lists gray-typed files (PNG and JPEG) as bad, and converts them with --convert-colour', async () => {
  await checkEmbed(rgbModel, 'rgb', grayTyped, TO_RGB, 3);
});

test('evaluate on a folder with a colour file refuses the run in one line, unless --convert-colour', async () => {
  const out = join(tmp, 'eval.json');
  const args = ['--model', grayModel, '--data', join(input, 'digits'), '--train-data', input, '--out', out, '--no-progress'];
  const r = await runNode([EVALUATE_BIN, ...args]);
  assertRefused(r, /is in colour, but the model takes gray images; pass --convert-colour to convert it$/, 'evaluate');
  assert.match(r.stderr, new RegExp(`error: ${join(input, '(jpeg|photos)')}/\\S+ is `));
  await assert.rejects(access(out), 'nothing written');
  const c = await runNode([EVALUATE_BIN, ...args, '--convert-colour']);
  assert.equal(c.code, 0, c.stderr);
  const report = JSON.parse(await readFile(out, 'utf8'));
  assert.equal(report.data.test.count, 12);
});
