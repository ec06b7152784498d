/**
 * Gray or RGB for an image folder: --channels decides, else a sample of its images
 * (folder-channels.ts). Real colour photographs (scikit-image's, cut into 32×32 patches) make an
 * RGB dataset whose pixels are the files' own; gray files, a gray JPEG stored in colour among
 * them, a gray one; one colour image among gray ones makes the folder RGB, the gray images
 * replicated to three channels. A decode cache of one is never read as the other.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LabelledImages, readMnist } from '@aae-map/shared';
import { isColourImage } from '@aae-map/shared/decode';
import { loadFolderDataset } from '@aae-map/train';
import sharp from 'sharp';
import { COLOUR_SAMPLE } from '../src/data/folder-channels.ts';
import { writeGray, writeMnistFolder } from './image-fixtures.ts';
import { photoClass, photoFiles, writePatchFolder } from './photo-patches.ts';

let root: string;
let mnist: LabelledImages;
let lines: string[] = [];
const o = { progress: false, log: (line: string) => void lines.push(line) };
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-folder-channels-'));
  mnist = await readMnist('test');
});
after(() => rm(root, { recursive: true, force: true }));

test('isColourImage: a coloured pixel differs by more than 16 levels between channels, and 1% of them make an image in colour', () => {
  const image = (coloured: number, spread: number) =>
    Uint8Array.from({ length: 100 * 3 }, (_, i) => (Math.floor(i / 3) < coloured && i % 3 === 0 ? 100 + spread : 100));
  assert.equal(isColourImage(image(0, 0)), false);
  assert.equal(isColourImage(image(100, 16)), false, 'JPEG-like noise of 16 levels is not colour');
  assert.equal(isColourImage(image(1, 17)), true, '1 of 100 pixels');
  assert.equal(isColourImage(image(100, 17)), true);
  assert.equal(isColourImage(Uint8Array.from({ length: 1000 * 3 }, (_, i) => (i === 0 ? 255 : 0))), false, '1 of 1000 pixels');
});

test('real colour photographs: RGB by sampling, said in one line; the pixels are the files', async () => {
  const dir = join(root, 'photos');
  const paths = await writePatchFolder(dir, { perPhoto: 10 });
  lines = [];
  const { dataset: ds } = await loadFolderDataset({ folder: dir, size: { width: 32, height: 32 }, testSplit: 0 }, o);
  assert.equal(ds.channels, 3);
  assert.deepEqual(ds.classNames, (await photoFiles()).map(photoClass));
  assert.match(
    lines[0]!,
    new RegExp(
      `^channels: 3 \\(RGB\\), since (\\d+) of ${COLOUR_SAMPLE} images sampled from .* are in colour; --channels 1 trains on gray$`,
    ),
  );
  assert.ok(Number(/since (\d+)/.exec(lines[0]!)![1]) >= COLOUR_SAMPLE / 2, lines[0]);
  assert.equal(ds.train.pixels.length, paths.length * 32 * 32 * 3);
  for (const k of [0, 15, paths.length - 1]) {
    const raw = await sharp(join(dir, paths[k]!)).raw().toBuffer();
    assert.deepEqual(ds.train.pixels.subarray(k * raw.length, (k + 1) * raw.length), new Uint8Array(raw), paths[k]);
  }
  lines = [];
  const gray = await loadFolderDataset({ folder: dir, size: { width: 32, height: 32 }, testSplit: 0, channels: 1 }, o);
  assert.equal(gray.dataset.channels, 1);
  assert.equal(gray.dataset.train.pixels.length, paths.length * 32 * 32);
  assert.ok(!lines.some((l) => l.startsWith('channels:')), '--channels given: no sampling');
});

test('gray files, a gray JPEG stored as colour among them, stay gray', async () => {
  const dir = join(root, 'digits');
  await writeMnistFolder(dir, mnist, [0, 1, 2, 3, 4, 5]);
  const digit = Buffer.from(mnist.pixels.subarray(0, 784));
  const rgbJpeg = await sharp(digit, { raw: { width: 28, height: 28, channels: 1 } })
    .toColourspace('srgb')
    .jpeg({ quality: 80 })
    .toBuffer();
  assert.equal((await sharp(rgbJpeg).metadata()).channels, 3, 'the JPEG is stored in colour');
  await sharp(rgbJpeg).toFile(join(dir, '7', 'colour-stored.jpg'));
  lines = [];
  const { dataset: ds } = await loadFolderDataset({ folder: dir, testSplit: 0 }, o);
  assert.equal(ds.channels, 1);
  assert.match(lines[0]!, /^channels: 1 \(gray\), since none of 7 images sampled from .* is in colour; --channels 3 trains on RGB$/);
});

test('one colour image among gray ones: RGB, the gray images replicated; the cache keeps gray and RGB apart', async () => {
  const dir = join(root, 'mixed');
  for (const [i, v] of [10, 100, 200].entries()) await writeGray(join(dir, 'gray', `${i}.png`), new Uint8Array(64).fill(v), 8, 8);
  await mkdir(join(dir, 'red'));
  await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 250, g: 40, b: 0 } } }).toFile(join(dir, 'red', 'r.png'));
  const files = { folder: dir, size: { width: 8, height: 8 }, testSplit: 0 };
  const cacheDir = join(root, 'cache');
  const rgb = await loadFolderDataset(files, { ...o, cacheDir });
  assert.equal(rgb.dataset.channels, 3);
  const px = (ds: typeof rgb.dataset, k: number) => [...ds.train.pixels.subarray(k * 64 * 3, k * 64 * 3 + 3)];
  assert.deepEqual(
    [0, 1, 2, 3].map((k) => px(rgb.dataset, k)),
    [
      [10, 10, 10],
      [100, 100, 100],
      [200, 200, 200],
      [250, 40, 0],
    ],
  );
  const gray = await loadFolderDataset({ ...files, channels: 1 }, { ...o, cacheDir });
  assert.equal(gray.train.fromCache, false, 'the RGB cache is not read for a gray run');
  assert.equal(gray.dataset.train.pixels.length, 4 * 64);
  const again = await loadFolderDataset({ ...files, channels: 1 }, { ...o, cacheDir });
  assert.equal(again.train.fromCache, true);
  assert.deepEqual(new Uint8Array(again.dataset.train.pixels), new Uint8Array(gray.dataset.train.pixels));
});
