/**
 * sample-images writes real MNIST test digits (pixel-exact, one folder per label), and the
 * map plot colours by folder only when every file sits in one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MNIST_CLASS_NAMES, readMnist } from '@aae-map/shared';
import { decodeImage } from '@aae-map/shared/decode';
import { plotCategories } from '../src/plot-points.ts';
import { writeSampleImages } from '../src/sample-images.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'infer-samples-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

test('sample-images: the first N test digits, in their label folders, pixel for pixel', async () => {
  const mnist = await readMnist('test');
  const files = await writeSampleImages(tmp, 250);
  assert.equal(files.length, 250);
  assert.deepEqual((await readdir(tmp)).sort(), [...MNIST_CLASS_NAMES]);
  for (let i = 0; i < files.length; i++) {
    assert.equal(files[i], `${mnist.labels[i]}/${String(i).padStart(5, '0')}.png`);
    const out = new Uint8Array(784);
    assert.equal(decodeImage(await readFile(join(tmp, files[i]!)), 28, 28, out, 0), undefined, 'decoded by the JS path');
    assert.deepEqual(out, mnist.pixels.subarray(i * 784, (i + 1) * 784), files[i]);
  }
  await assert.rejects(writeSampleImages(tmp, 10_001), /--count must be from 1 to 10000/);
});

test('plot colours by folder (natural order) when all files have one, else by cluster', () => {
  const info = { classNames: ['zero', 'one', 'two'], clusters: 3 };
  const byFolder = plotCategories(['10/a.png', '2/b.png', '2/c/d.png', 'x/e.png'], [0, 1, 2, 0], true, info);
  assert.deepEqual(byFolder, { by: 'folder', index: [1, 0, 0, 2], names: ['2', '10', 'x'] });
  const byCluster = plotCategories(['10/a.png', 'top.png'], [2, 1], false, info);
  assert.deepEqual(byCluster, { by: 'cluster', index: [2, 1], names: ['zero', 'one', 'two'] });
  assert.deepEqual(plotCategories(['a.png'], [0], false, { classNames: [], clusters: 2 }).names, ['cluster 0', 'cluster 1']);
});
