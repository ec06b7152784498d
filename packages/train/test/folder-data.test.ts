/**
 * Image folders as datasets: classes from subfolders, unlabelled files, every format at any size
 * resized to --size, bad files counted and skipped, the seeded test split, --test folders, the
 * decode cache, and one-line errors (exit code 2) for folders that cannot be used.
 * Pixel checks use solid images, whose decoded value is known without any decoder: exact for
 * the lossless formats, within 3 levels for JPEG.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LabelledImages, readMnist, srgbToGray, UserError } from '@aae-map/shared';
import { balancedSplit, classCounts, type InputRows, loadFolderDataset, parseImageSize } from '@aae-map/train';
import sharp from 'sharp';
import { type ImageFormat, writeGray, writeMnistFolder } from './image-fixtures.ts';

let root: string;
let mnist: LabelledImages;
const quiet = { progress: false, log: () => {} };
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-folder-data-'));
  mnist = await readMnist('train');
});
after(() => rm(root, { recursive: true, force: true }));

const solid = (v: number, w: number, h: number) => new Uint8Array(w * h).fill(v);
const RED_GRAY = srgbToGray(255, 0, 0);

/** path, format, source size, gray value (null: the red RGB image), in walk order. */
const MIXED: Array<[string, ImageFormat, number, number, number | null]> = [
  ['cat/01.png', 'png', 28, 28, 10],
  ['cat/02.jpg', 'jpg', 300, 200, 60],
  ['cat/03.webp', 'webp', 64, 48, 90],
  ['cat/sub/04.gif', 'gif', 16, 16, 120],
  ['dog/05.tiff', 'tiff', 500, 400, 150],
  ['dog/06.png', 'png', 32, 24, 180],
  ['dog/07.png', 'png', 50, 50, null],
  ['top.png', 'png', 10, 10, 230],
  ['unlabeled/08.jpg', 'jpg', 100, 100, 200],
];

async function writeMixed(dir: string): Promise<void> {
  for (const [path, format, w, h, v] of MIXED) {
    if (v !== null) await writeGray(join(dir, path), solid(v, w, h), w, h, format);
    else
      await sharp({ create: { width: w, height: h, channels: 3, background: { r: 255, g: 0, b: 0 } } })
        .png()
        .toFile(join(dir, path));
  }
  await writeFile(join(dir, 'cat/broken.jpg'), 'this is not a JPEG');
  await writeFile(join(dir, 'dog/empty.png'), '');
  await writeFile(join(dir, 'dog/readme.txt'), 'not an image');
  await writeFile(join(dir, 'notes.md'), 'not an image either');
}

test('a mixed folder: every format and size decoded to 32x24 gray, 2 bad files skipped, 2 others ignored', async () => {
  const dir = join(root, 'mixed');
  await writeMixed(dir);
  const files = { folder: dir, size: { width: 32, height: 24 }, testSplit: 0, channels: 1 as const };
  const { dataset: ds, train } = await loadFolderDataset(files, quiet);
  assert.deepEqual(ds.classNames, ['cat', 'dog']);
  assert.deepEqual([ds.width, ds.height], [32, 24]);
  assert.equal(ds.test, undefined);
  assert.deepEqual(
    { listed: train.listed, decoded: train.decoded, ignored: train.ignored, fromCache: train.fromCache },
    { listed: 11, decoded: 9, ignored: 2, fromCache: false },
  );
  assert.deepEqual(
    train.skipped.map((s) => s.path),
    ['cat/broken.jpg', 'dog/empty.png'],
  );
  assert.ok(train.skipped.every((s) => s.reason.length > 0 && !s.reason.includes('\n')));
  assert.deepEqual([...ds.train.labels], [0, 0, 0, 0, 1, 1, 1, -1, -1]);
  assert.equal(ds.train.pixels.length, 9 * 32 * 24);
  MIXED.forEach(([path, format, , , v], i) => {
    const want = v ?? RED_GRAY;
    const img = ds.train.pixels.subarray(i * 768, (i + 1) * 768);
    const worst = Array.from(img).reduce((m, p) => Math.max(m, Math.abs(p - want)), 0);
    assert.ok(worst <= (format === 'jpg' ? 3 : 0), `${path}: off by up to ${worst} from ${want}`);
  });
});

test('the seeded test split holds out round(10%) of each class; the same seed gives the same split', async () => {
  const dir = join(root, 'digits');
  const paths = await writeMnistFolder(
    dir,
    mnist,
    Array.from({ length: 300 }, (_, i) => i),
    (i) => i >= 270,
  );
  const labels = paths.filter((p) => !p.startsWith('unlabeled/')).map((p) => Number(p[0]));
  const a = (await loadFolderDataset({ folder: dir }, { ...quiet, seed: 4 })).dataset;
  const b = (await loadFolderDataset({ folder: dir }, { ...quiet, seed: 4 })).dataset;
  const c = (await loadFolderDataset({ folder: dir }, { ...quiet, seed: 5 })).dataset;
  const want = classCounts(labels, 10).map((n) => Math.round(0.1 * n));
  assert.deepEqual(classCounts(a.test!.labels, 10), want);
  assert.equal(a.train.count + a.test!.count, 300);
  assert.equal(a.train.labels.filter((l) => l < 0).length, 30, 'unlabelled images all stay in training');
  assert.deepEqual(b.test!.pixels, a.test!.pixels);
  assert.notDeepEqual(c.test!.pixels, a.test!.pixels);
  // Every held-out image is one of the folder's, and none is also in training.
  const rows = (s: { pixels: InputRows; count: number }) =>
    Array.from({ length: s.count }, (_, i) => Buffer.from(s.pixels.subarray(i * 784, (i + 1) * 784)).toString('base64'));
  const trainRows = new Set(rows(a.train));
  assert.ok(rows(a.test!).every((r) => !trainRows.has(r)));
});

test('--test folder: its classes map to the training classes by name; an unknown class is an error', async () => {
  const testDir = join(root, 'held');
  const picks = Array.from({ length: 100 }, (_, k) => 1000 + k)
    .filter((i) => mnist.labels[i] === 3 || mnist.labels[i] === 7)
    .slice(0, 6);
  const paths = await writeMnistFolder(testDir, mnist, picks);
  const { dataset, test: stats } = await loadFolderDataset({ folder: join(root, 'digits'), test: testDir }, quiet);
  // The test folder's own classes are ['3', '7'] (0 and 1 there); in the dataset they are the digits.
  assert.deepEqual(
    [...dataset.test!.labels],
    paths.map((p) => Number(p[0])),
  );
  assert.equal(stats!.decoded, 6);
  assert.equal(dataset.train.count, 300, 'with a test folder nothing is held out of training');
  const odd = join(root, 'odd');
  await writeGray(join(odd, 'zebra/1.png'), solid(1, 28, 28), 28, 28);
  await assert.rejects(
    loadFolderDataset({ folder: join(root, 'digits'), test: odd }, quiet),
    (e: unknown) => e instanceof UserError && /class 'zebra'/.test(e.message),
  );
});

test('the cache: a second load reads it, touching or adding a file rebuilds it', async () => {
  const dir = join(root, 'digits');
  const cacheDir = join(root, 'cache');
  const first = await loadFolderDataset({ folder: dir }, { ...quiet, cacheDir });
  assert.equal(first.train.fromCache, false);
  const pixelFile = join(cacheDir, 'train', 'pixels.u8');
  assert.equal((await readFile(pixelFile)).length, 300 * 784);
  // Blank the cached pixels: a load that reads the cache sees the blanks, one that decodes does not.
  await writeFile(pixelFile, new Uint8Array(300 * 784));
  const second = await loadFolderDataset({ folder: dir }, { ...quiet, cacheDir });
  assert.equal(second.train.fromCache, true);
  assert.ok(second.dataset.train.pixels.every((p) => p === 0));
  const later = new Date(Date.now() + 60_000);
  await utimes(join(dir, '0/00001.png'), later, later);
  const touched = await loadFolderDataset({ folder: dir }, { ...quiet, cacheDir });
  assert.equal(touched.train.fromCache, false);
  assert.deepEqual(touched.dataset.train.pixels, first.dataset.train.pixels);
  assert.equal((await loadFolderDataset({ folder: dir }, { ...quiet, cacheDir })).train.fromCache, true);
  await writeGray(join(dir, '5/99999.png'), solid(7, 28, 28), 28, 28);
  const added = await loadFolderDataset({ folder: dir }, { ...quiet, cacheDir });
  assert.equal(added.train.fromCache, false);
  assert.equal(added.train.decoded, 301);
  await rm(join(dir, '5/99999.png'));
});

test('balanced labels with short classes: a short class gives all it has, the rest spread evenly', () => {
  const labels = Int32Array.from([...new Array(3).fill(0), ...new Array(50).fill(1), ...new Array(50).fill(2), -1, -1]);
  const s = balancedSplit(labels, 3, 30, 9);
  const counts = classCounts(
    Int32Array.from(s.labelled, (i) => labels[i]!),
    3,
  );
  assert.equal(counts[0], 3);
  assert.equal(counts[1]! + counts[2]!, 27);
  assert.ok(Math.abs(counts[1]! - counts[2]!) <= 1, `counts ${counts}`);
  assert.throws(() => balancedSplit(labels, 3, 104, 9), UserError);
});

test('--size accepts N and WIDTHxHEIGHT, and rejects anything else', () => {
  assert.deepEqual(parseImageSize('28'), { width: 28, height: 28 });
  assert.deepEqual(parseImageSize('32x24'), { width: 32, height: 24 });
  for (const bad of ['0', '32x', 'x24', '3.5', 'big', '5000']) assert.throws(() => parseImageSize(bad), UserError);
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/train/src/cli.ts', '--no-progress', ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

test('folders that cannot be used: one error line and exit code 2', async () => {
  const empty = join(root, 'empty');
  await mkdir(join(empty, 'sub'), { recursive: true });
  await writeFile(join(empty, 'sub/readme.txt'), 'no images here');
  const bad = join(root, 'all-bad');
  await mkdir(join(bad, 'a'), { recursive: true });
  await writeFile(join(bad, 'a/1.png'), 'garbage');
  await writeFile(join(bad, 'a/2.jpg'), '');
  const flat = join(root, 'flat');
  await writeGray(join(flat, '1.png'), solid(9, 28, 28), 28, 28);
  const out = join(root, 'never');
  for (const [args, pattern] of [
    [['--data', empty], /holds no images/],
    [['--data', bad], /none of its 2 images could be decoded/],
    [['--data', flat], /no class subfolders, so give --clusters/],
    [['--data', join(root, 'digits'), '--size', '0x3'], /--size must be/],
    [['--data', join(root, 'digits'), '--test-split', '1'], /--test-split must be/],
    [['--data', join(root, 'digits'), '--test-data', 'x'], /--test-data does not apply: .* is a folder of images; it takes --test,/],
  ] as const) {
    const r = cli(...args, '--out', out);
    assert.equal(r.code, 2, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, pattern);
  }
  // The skipped files are named before the error.
  assert.match(cli('--data', bad, '--out', out).stderr, /skipped .*all-bad\/a\/1\.png: /);
});
