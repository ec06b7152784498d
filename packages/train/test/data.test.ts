import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '@aae-map/shared';
import { balancedSplit, classCounts, conventionalLabelsFile, loadIdxDataset, loadMnistDataset, validationSplit } from '@aae-map/train';

const dir = await mkdtemp(join(tmpdir(), 'aae-train-data-'));
after(() => rm(dir, { recursive: true, force: true }));
const mnist = await loadMnistDataset();

/** IDX bytes written by hand: magic 0 0 0x08 ndim, big-endian dims, data. */
function idx(dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => {
    new DataView(head.buffer).setUint32(4 + 4 * i, d, false);
  });
  return new Uint8Array([...head, ...data]);
}

test('MNIST train and test label counts match the published per-digit counts', () => {
  assert.equal(mnist.train.count, 60000);
  assert.equal(mnist.test!.count, 10000);
  assert.equal(mnist.height, 28);
  assert.equal(mnist.width, 28);
  assert.deepEqual(classCounts(mnist.train.labels, 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(classCounts(mnist.test!.labels, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.deepEqual(mnist.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
});

test('an IDX pair written by hand reads back; the label file is found by the MNIST naming convention', async () => {
  const images = join(dir, 'tiny-images-idx3-ubyte');
  await writeFile(images, idx([3, 2, 2], [0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 253]));
  await writeFile(join(dir, 'tiny-labels-idx1-ubyte'), idx([3], [2, 0, 2]));
  assert.equal(conventionalLabelsFile(images), join(dir, 'tiny-labels-idx1-ubyte'));
  const ds = await loadIdxDataset({ images });
  assert.equal(ds.train.count, 3);
  assert.deepEqual([ds.height, ds.width], [2, 2]);
  assert.deepEqual([...ds.train.pixels], [0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 253]);
  assert.deepEqual([...ds.train.labels], [2, 0, 2]);
  assert.deepEqual(ds.classNames, ['0', '1', '2']);
});

test('an IDX image file without a label file is unlabelled (-1 everywhere)', async () => {
  const images = join(dir, 'lonely-idx3-ubyte');
  await writeFile(images, idx([2, 1, 1], [5, 6]));
  const ds = await loadIdxDataset({ images });
  assert.deepEqual([...ds.train.labels], [-1, -1]);
  assert.deepEqual(ds.classNames, []);
});

test('corrupt, truncated, mismatched or missing IDX files are one-line UserErrors', async () => {
  const bad = join(dir, 'bad-images-idx3-ubyte');
  await writeFile(bad, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  const short = join(dir, 'short-images-idx3-ubyte');
  await writeFile(short, idx([10, 28, 28], [1, 2, 3]));
  const two = join(dir, 'two-images-idx3-ubyte');
  await writeFile(two, idx([2, 1, 1], [5, 6]));
  await writeFile(join(dir, 'three-labels'), idx([3], [0, 1, 2]));
  for (const [files, pattern] of [
    [{ images: bad }, /not an IDX file/],
    [{ images: short }, /truncated/],
    [{ images: two, labels: join(dir, 'three-labels') }, /3 labels but .* 2 images/],
    [{ images: join(dir, 'missing-images-idx3-ubyte') }, /cannot read/],
    [{ images: two, labels: join(dir, 'missing-labels') }, /cannot read/],
  ] as const) {
    await assert.rejects(
      loadIdxDataset(files),
      (e: unknown) => e instanceof UserError && pattern.test(e.message) && !e.message.includes('\n'),
    );
  }
});

test('balanced split: 100 per digit for 1000 labels, seeded, disjoint and complete', () => {
  const s = balancedSplit(mnist.train.labels, 10, 1000, 7);
  const labelledClasses = Int32Array.from(s.labelled, (i) => mnist.train.labels[i]!);
  assert.deepEqual(classCounts(labelledClasses, 10), new Array(10).fill(100));
  assert.equal(s.labelled.length + s.unlabelled.length, 60000);
  const all = new Set([...s.labelled, ...s.unlabelled]);
  assert.equal(all.size, 60000);
  assert.deepEqual([...balancedSplit(mnist.train.labels, 10, 1000, 7).labelled], [...s.labelled]);
  const other = balancedSplit(mnist.train.labels, 10, 1000, 8).labelled;
  assert.notDeepEqual([...other], [...s.labelled]);
});

test('validation split: class-balanced, the same for every run seed, and the rest keeps every other image in order', () => {
  const v = validationSplit(mnist.train, 10, 5000, 784);
  const held = [...v.heldIndices];
  assert.deepEqual(classCounts(v.held!.labels, 10), new Array(10).fill(500));
  assert.equal(v.rest.count, 55000);
  const heldSet = new Set(held);
  assert.equal(heldSet.size, 5000);
  const restIndices = Array.from({ length: 60000 }, (_, i) => i).filter((i) => !heldSet.has(i));
  for (const k of [0, 1, 27182, 54999]) {
    const i = restIndices[k]!;
    assert.equal(v.rest.labels[k], mnist.train.labels[i]);
    assert.deepEqual(v.rest.pixels.subarray(784 * k, 784 * (k + 1)), mnist.train.pixels.subarray(784 * i, 784 * (i + 1)));
  }
  const h = held[1234]!;
  assert.deepEqual(v.held!.pixels.subarray(784 * 1234, 784 * 1235), mnist.train.pixels.subarray(784 * h, 784 * (h + 1)));
  assert.deepEqual([...validationSplit(mnist.train, 10, 5000, 784).heldIndices], held, 'seeded by nothing but the count');
  assert.equal(validationSplit(mnist.train, 10, 0, 784).rest, mnist.train);
  assert.throws(() => validationSplit(mnist.train, 10, 60000, 784), /--validation 60000 must be fewer than the 60000 labelled/);
});

test('balanced split spreads a remainder one per class and never picks unknown labels', () => {
  const labels = Int32Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? -1 : i % 4));
  const s = balancedSplit(labels, 4, 10, 3);
  const counts = classCounts(
    Int32Array.from(s.labelled, (i) => labels[i]!),
    4,
  );
  assert.deepEqual([...counts].sort(), [2, 2, 3, 3]);
  assert.ok([...s.labelled].every((i) => labels[i]! >= 0));
  assert.throws(() => balancedSplit(labels, 4, 1000, 3), UserError);
});
