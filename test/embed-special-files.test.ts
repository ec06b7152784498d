/**
 * Files a folder walk meets besides images, run through the real `embed` bin: a FIFO named
 * .png (which must never be opened for good: it would block), a broken link, 1.5 GB sparse files
 * (which must be refused from their first bytes, in bounded memory), an image over --max-pixels,
 * and names that are not UTF-8 (written losslessly, found again by --resume). Each is embedded or
 * listed with its reason, and the progress bar's total counts them all.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorsPathFor } from '@aae-map/infer';
import { encodeGrayPng } from '../packages/infer/src/sample-images.ts';
import { makeModel, mnistFolder, type RunResult, readCsvFile, runEmbed } from './embed-helpers.ts';
import { bytePath, GIB, MAX_RSS_HOOK, maxRssMib, mkfifo, pngHeader, sparseFile } from './fixtures/special-files.ts';

let tmp: string;
let model: string;
let input: string;
let full: RunResult;
const out = () => join(tmp, 'points.csv');

/** Text forms of the good files, in walk order. */
const GOOD = [
  'caf%25E9.png',
  'caf%E8.png',
  'caf%E9.png',
  'digits/0/00003.png',
  'digits/1/00002.png',
  'digits/2/00001.png',
  'digits/7/00000.png',
  'square.png',
];
const BAD: Record<string, RegExp> = {
  'dangling.png': /^cannot stat \(ENOENT\)$/,
  'fifo.png': /^not a regular file \(fifo\)$/,
  'giant.png': /^image is 30000 x 30000 pixels, more than the 100000000 allowed \(--max-pixels\)$/,
  'huge-header.png': /^file is 1610612736 bytes, more than the 400000000 read for an image of at most 100000000 pixels \(--max-pixels\)$/,
  'huge.png': /unsupported image format/,
};

/** Runs the embed bin, printing its peak RSS (MAX_RSS_HOOK); `args` follow --model and --input. */
const embedWithRss = (args: string[]) => runEmbed(['--model', model, '--input', input, ...args], {}, ['--import', MAX_RSS_HOOK]);

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-special-'));
  model = await makeModel(tmp);
  input = join(tmp, 'in');
  await mnistFolder(join(input, 'digits'), 4);
  const digit = join(input, 'digits/7/00000.png');
  // Two names node reads as the same string ('caf\uFFFD.png'), and a UTF-8 name that looks escaped.
  await copyFile(digit, bytePath(input, 'caf', [0xe9], '.png'));
  await copyFile(digit, bytePath(input, 'caf', [0xe8], '.png'));
  await copyFile(digit, join(input, 'caf%E9.png'));
  await writeFile(join(input, 'square.png'), encodeGrayPng(new Uint8Array(40 * 40).fill(128), 40, 40));
  await mkfifo(join(input, 'fifo.png'));
  await symlink(join(input, 'gone.png'), join(input, 'dangling.png'));
  await sparseFile(join(input, 'huge.png'), new Uint8Array(0), 1.5 * GIB);
  await sparseFile(join(input, 'huge-header.png'), pngHeader(28, 28), 1.5 * GIB);
  await sparseFile(join(input, 'giant.png'), pngHeader(30000, 30000), 70_000);
  full = await embedWithRss(['--out', out(), '--batch', '3']);
});
after(() => rm(tmp, { recursive: true, force: true }));

test('every entry with an image extension is embedded or listed with its reason; huge files cost no memory', async () => {
  assert.equal(full.code, 3, full.stderr);
  assert.deepEqual(
    (await readCsvFile(out())).slice(1).map((r) => r[0]),
    GOOD,
  );
  const errors = (await readCsvFile(errorsPathFor(out()))).slice(1);
  assert.deepEqual(
    errors.map((e) => e[0]),
    Object.keys(BAD),
  );
  for (const [path, reason] of errors) assert.match(reason!, BAD[path!]!, path);
  const mib = maxRssMib(full.stderr);
  // About 140 MiB here; reading either 1.5 GB file whole took 1.7 GB.
  assert.ok(mib < 600, `peak RSS ${mib.toFixed(0)} MiB`);
  assert.match(full.stdout, new RegExp(`embedded ${GOOD.length} files .*; skipped ${errors.length} `));
});

test("the progress bar's total counts the files listed as errors too", () => {
  const handled = GOOD.length + Object.keys(BAD).length;
  const bars = full.stderr.split('\n').filter((l) => l.startsWith('embed '));
  assert.match(bars.at(-1)!, new RegExp(` ${handled}/${handled} `), bars.join('\n'));
});

test('--resume after a row whose name is not UTF-8 goes on after that very file', async () => {
  const rows = await readCsvFile(out());
  const cut = join(tmp, 'cut.csv');
  // Up to and including 'caf%E8.png', the second of the two names node cannot tell apart.
  await writeFile(
    cut,
    rows
      .slice(0, 3)
      .map((r) => `${r.join(',')}\r\n`)
      .join(''),
  );
  const r = await runEmbed(['--model', model, '--input', input, '--out', cut, '--resume']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /2 rows kept from the earlier run/);
  assert.deepEqual(await readCsvFile(cut), rows);
  assert.deepEqual(
    (await readCsvFile(errorsPathFor(cut))).map((e) => e[0]),
    ['path', ...Object.keys(BAD)],
  );
});

test('--max-pixels refuses larger images, whatever their path through the decoders', async () => {
  const small = join(tmp, 'small.csv');
  const r = await runEmbed(['--model', model, '--input', input, '--out', small, '--max-pixels', '1000']);
  assert.equal(r.code, 3, r.stderr);
  const reason = new Map((await readCsvFile(errorsPathFor(small))).map((e) => [e[0], e[1]]));
  assert.equal(reason.get('square.png'), 'image is 40 x 40 pixels, more than the 1000 allowed (--max-pixels)');
  assert.deepEqual(
    (await readCsvFile(small)).slice(1).map((row) => row[0]),
    GOOD.filter((p) => p !== 'square.png'),
    '28 x 28 is 784 pixels',
  );
  // Under 784, the model's own size is refused too, though those PNGs take the JS decoders, not sharp.
  const tiny = join(tmp, 'tiny.csv');
  await runEmbed(['--model', model, '--input', input, '--out', tiny, '--max-pixels', '700']);
  const tinyReason = new Map((await readCsvFile(errorsPathFor(tiny))).map((e) => [e[0], e[1]]));
  assert.equal(tinyReason.get('digits/7/00000.png'), 'image is 28 x 28 pixels, more than the 700 allowed (--max-pixels)');
  const zero = await runEmbed(['--model', model, '--input', input, '--out', join(tmp, 'zero.csv'), '--max-pixels', '0']);
  assert.equal(zero.code, 2);
  assert.equal(zero.stderr, 'error: --max-pixels must be a positive whole number, got 0\n');
});
