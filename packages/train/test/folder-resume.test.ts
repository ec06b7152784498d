/**
 * Training on a folder through train(): the first run decodes into <run>/data-cache, a resumed
 * run reads the cache (its log says so), touching a file makes the next resume decode again;
 * --labels is a cap; a folder without classes trains with --clusters and no labels.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LabelledImages, readMnist } from '@aae-map/shared';
import { classCounts, DATA_CACHE, type TrainOptions, train } from '@aae-map/train';
import { writeMnistFolder } from './image-fixtures.ts';

let root: string;
let mnist: LabelledImages;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-folder-resume-'));
  mnist = await readMnist('train');
});
after(() => rm(root, { recursive: true, force: true }));

const tiny: TrainOptions = { progress: false, backend: 'wasm', replicas: 1, hidden: [16], batch: 20 };

/** Runs train() and returns its result with the log lines it wrote. */
async function run(options: TrainOptions) {
  const lines: string[] = [];
  const result = await train({ ...tiny, ...options, log: (l) => lines.push(l) });
  return { result, log: lines.join('\n') };
}

test('a resumed run reads the decode cache; after a file is touched it decodes again', async () => {
  const folder = join(root, 'digits');
  await writeMnistFolder(
    folder,
    mnist,
    Array.from({ length: 200 }, (_, i) => i),
    (i) => i >= 180,
  );
  const runDir = join(root, 'run');
  const first = await run({ data: { folder }, runDir, epochs: 1 });
  assert.match(
    first.log,
    /data .*digits: 200 images \(180 in 10 classes, 20 unlabelled\), 0 skipped, 0 other files ignored; decoded in .* cached in .*data-cache\/train/,
  );
  // round(10%) of each class's labelled images is held out; --labels 1000 (the default) is capped at the rest.
  const held = classCounts(mnist.labels.subarray(0, 180), 10).reduce((s, n) => s + Math.round(0.1 * n), 0);
  assert.equal(first.result.manifest.labels, 180 - held);
  const resume = JSON.parse(await readFile(join(runDir, 'resume.json'), 'utf8')) as {
    data: unknown;
    dataset: { trainCount: number; testCount: number };
  };
  assert.deepEqual(resume.data, { folder });
  assert.deepEqual([resume.dataset.trainCount, resume.dataset.testCount], [200 - held, held]);

  const second = await run({ runDir, resume: true, epochs: 2 });
  assert.match(second.log, new RegExp(`read from the cache ${join(runDir, DATA_CACHE, 'train')}`));
  assert.doesNotMatch(second.log, /decoded in/);
  assert.equal(second.result.manifest.epochs, 2);

  const later = new Date(Date.now() + 60_000);
  await utimes(join(folder, '1/00003.png'), later, later);
  const third = await run({ runDir, resume: true, epochs: 3 });
  assert.match(third.log, /decoded in .* cached in/);
  assert.equal(third.result.manifest.epochs, 3);
});

test('a folder without classes trains with --clusters, without labels or a test set', async () => {
  const folder = join(root, 'flat');
  await writeMnistFolder(
    folder,
    mnist,
    Array.from({ length: 100 }, (_, i) => 500 + i),
    () => true,
  );
  const { result, log } = await run({ data: { folder }, runDir: join(root, 'flat-run'), epochs: 1, clusters: 4 });
  assert.match(log, /100 images \(0 in 0 classes, 100 unlabelled\)/);
  assert.equal(result.manifest.labels, 0);
  assert.deepEqual(result.manifest.classNames, []);
  assert.equal(result.manifest.architecture.clusters, 4);
  assert.equal(result.metrics[0]!.testAccuracy, null);
});
