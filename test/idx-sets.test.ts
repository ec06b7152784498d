/**
 * MNIST-like sets as they are distributed, on real data: Fashion-MNIST as the four gzipped IDX
 * files Debian's dataset-fashion-mnist installs in /usr/share/datasets/fashion-mnist (pnpm test's
 * pretest copies them into .cache/fashion-mnist/).
 * - gzip is read by its magic number, not its name; a damaged one is one line;
 * - `--data FOLDER` trains on the folder's train files and tests on its t10k files, and the run is
 *   named after the folder; `--data train-images-idx3-ubyte.gz` finds its .gz labels;
 * - the run goes on through export, embed (the test images as PNGs) and evaluate (the same folder),
 *   whose numbers agree with training's.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { EvalReport } from '@aae-map/evaluate';
import { findIdxSet, type LabelledImages, readIdxImages, readIdxPair, UserError } from '@aae-map/shared';
import { writeGray } from '../packages/train/test/image-fixtures.ts';
import { assertRefused, readCsvFile, runNode } from './embed-helpers.ts';

// Copied from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) by scripts/ensure-test-data.mjs.
const FASHION = fileURLToPath(new URL('../.cache/fashion-mnist', import.meta.url));
const bin = (pkg: string, name: string) => fileURLToPath(new URL(`../packages/${pkg}/bin/${name}.js`, import.meta.url));
const SMALL = [
  '--train-limit',
  '1000',
  '--test-limit',
  '200',
  '--hidden',
  '32',
  '--epochs',
  '2',
  '--labels',
  '200',
  '--batch',
  '50',
  '--no-progress',
];

let root: string;
let test10k: LabelledImages;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-idx-sets-'));
  test10k = await readIdxPair(join(FASHION, 't10k-images-idx3-ubyte.gz'), join(FASHION, 't10k-labels-idx1-ubyte.gz'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Runs a command's bin with the temporary folder as the working directory, where runs/ goes. */
const run = (pkg: string, name: string, args: string[]) => runNode([bin(pkg, name), ...args], {}, root);

test('gzip is told by its magic number: a renamed .gz reads as the file it packs; a damaged one is one line', async () => {
  assert.deepEqual([test10k.count, test10k.height, test10k.width], [10_000, 28, 28]);
  // Fashion-MNIST's t10k set holds 1000 images of each of its 10 classes.
  assert.deepEqual(
    Array.from({ length: 10 }, (_, k) => test10k.labels.filter((l) => l === k).length),
    new Array(10).fill(1000),
  );
  const plain = join(root, 'plain-idx3-ubyte');
  const idx = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  await writeFile(plain, idx);
  const disguised = join(root, 'disguised-idx3-ubyte');
  await writeFile(disguised, gzipSync(idx));
  assert.deepEqual(await readIdxImages(disguised), await readIdxImages(plain));
  const cut = join(root, 'cut-idx3-ubyte.gz');
  const packed = gzipSync(idx);
  await writeFile(cut, packed.subarray(0, packed.length - 6));
  await assert.rejects(
    readIdxImages(cut),
    (e: unknown) => e instanceof UserError && /cut-idx3-ubyte\.gz is gzip but cannot be unpacked/.test(e.message),
  );
});

test('findIdxSet takes the four conventional names, gzipped or not, and prefers the unpacked file', async () => {
  const set = await findIdxSet(FASHION);
  assert.deepEqual(set, {
    name: 'fashion-mnist',
    trainImages: join(FASHION, 'train-images-idx3-ubyte.gz'),
    trainLabels: join(FASHION, 'train-labels-idx1-ubyte.gz'),
    testImages: join(FASHION, 't10k-images-idx3-ubyte.gz'),
    testLabels: join(FASHION, 't10k-labels-idx1-ubyte.gz'),
  });
  const mixed = join(root, 'mixed');
  await mkdir(mixed);
  for (const name of ['train-images.idx3-ubyte', 'train-images.idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 'notes.txt'])
    await writeFile(join(mixed, name), '');
  assert.deepEqual(await findIdxSet(mixed), {
    name: 'mixed',
    trainImages: join(mixed, 'train-images.idx3-ubyte'),
    trainLabels: join(mixed, 'train-labels-idx1-ubyte.gz'),
    testImages: undefined,
    testLabels: undefined,
  });
  assert.equal(await findIdxSet(root), undefined);
});

test('Fashion-MNIST folder → train → export → embed → evaluate, named after the folder', async (t) => {
  const trained = await run('train', 'train', ['--data', FASHION, ...SMALL, '--backend', 'wasm', '--seed', '3']);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /run runs\/fashion-mnist-nd-200: 1000 training images \(200 labelled\), 200 test images/);
  const trainError = Number(/test error ([\d.]+)%/.exec(trained.stdout)![1]) / 100;
  t.diagnostic(`Fashion-MNIST, 1000 images, 2 epochs: test error ${trainError}`);
  // 10 classes: chance is 0.9; these 40 iterations read 0.535 (it checks the pipeline, not the recipe).
  assert.ok(trainError < 0.7, `test error ${trainError}`);

  const model = join(root, 'fashion.onnx');
  const exported = await run('export', 'export', [model, '--run', join(root, 'runs/fashion-mnist-nd-200')]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /uint8 \[N, 28, 28\]/);

  // evaluate reads the same folder: its t10k half to score, its train half to fit.
  const evaluated = await run('evaluate', 'evaluate', [
    '--model',
    model,
    '--data',
    FASHION,
    '--limit',
    '200',
    '--train-limit',
    '1000',
    '--no-progress',
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const report = JSON.parse(await readFile(join(root, 'fashion.eval.json'), 'utf8')) as EvalReport;
  assert.deepEqual(
    [report.data.test.name, report.data.test.count, report.data.fit.name, report.data.fit.count],
    ['fashion-mnist test', 200, 'fashion-mnist train', 1000],
  );
  // The same 200 test images through the exported graph: the error training measured, up to an argmax tie.
  assert.ok(
    Math.abs(report.classification.direct!.error - trainError) <= 1 / 200,
    `${report.classification.direct!.error} vs ${trainError}`,
  );
  // Without --data it would be scored on MNIST's test set: refused, naming the set it knows.
  assertRefused(
    await run('evaluate', 'evaluate', ['--model', model, '--no-progress']),
    /fashion\.onnx was trained on fashion-mnist, and without --data it would be scored on MNIST; pass --data/,
    'evaluate without --data',
  );

  // embed: 40 of the test images as PNGs, in folders named by class; each row's cluster is evaluate's.
  const images = join(root, 'fashion-png');
  for (let i = 0; i < 40; i++)
    await writeGray(join(images, String(test10k.labels[i]), `${i}.png`), test10k.pixels.subarray(i * 784, (i + 1) * 784), 28, 28);
  const out = join(root, 'fashion-points.csv');
  const embedded = await run('infer', 'embed', ['--model', model, '--input', images, '--out', out, '--device', 'cpu']);
  assert.equal(embedded.code, 0, embedded.stderr);
  const [header, ...rows] = await readCsvFile(out);
  assert.deepEqual(header, ['path', 'x', 'y', 'cluster', 'confidence']);
  assert.equal(rows.length, 40);
  const right = rows.filter((r) => r[0]!.split('/')[0] === r[3]).length;
  // Cluster k is class k in a run with labels: embed's accuracy on these 40 is near training's.
  assert.ok(Math.abs(right / 40 - (1 - trainError)) < 0.25, `embed accuracy ${right / 40}, training ${1 - trainError}`);
});

test('--data train-images-idx3-ubyte.gz finds its gzipped labels; the run is named after the set', async () => {
  const dir = join(root, 'kmnist-like');
  await mkdir(dir);
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) await copyFile(join(FASHION, f), join(dir, f));
  const trained = await run('train', 'train', ['--data', join(dir, 'train-images-idx3-ubyte.gz'), ...SMALL]);
  assert.equal(trained.code, 0, trained.stderr);
  // No test set was given: the run trains with labels (found by name) and reports no test error.
  assert.match(trained.stderr, /run runs\/kmnist-like-nd-200: 1000 training images \(200 labelled\), 0 test images/);
  const bad = join(root, 'bad');
  await mkdir(bad);
  await writeFile(join(bad, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.from('not an idx file')));
  assertRefused(await run('train', 'train', ['--data', bad]), /train-images-idx3-ubyte\.gz is not an IDX file \(bad magic number\)/);
  assertRefused(
    await run('train', 'train', ['--data', FASHION, '--test', bad]),
    /--test does not apply: --data .* is a folder of IDX files \(fashion-mnist\)/,
  );
  assertRefused(await run('evaluate', 'evaluate', ['--model', 'x.onnx', '--data', bad]), /--data .*bad lacks t10k-images or t10k-labels/);
});
