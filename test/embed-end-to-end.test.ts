/**
 * `embed` end to end: a small exported model, a folder of real MNIST PNGs written by
 * sample-images, the real bin. Every CSV row must match the model run directly on the same
 * MNIST pixels, one row per file, in walk order; batch sizes 1 and 4,096, 2 onnxruntime
 * threads and 3 decode workers (batches handed round by the walking one) give the same rows.
 * Tolerances (the CSV itself round-trips float32 exactly; batch composition may change float32
 * summation order): atol 1e-5 on probabilities and z, 1e-4 on x, y, which are ~10x larger.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { embedFolder, openModel } from '@aae-map/infer';
import { comparePaths, type LabelledImages, pointsColumns, readMnist } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { directOutputs, indexOf, makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';

const COUNT = 300;
const TOL = { atol: 1e-5 };
const TOL_XY = { atol: 1e-4 };
let tmp: string;
let model: string;
let images: string;
let files: string[];
let mnist: LabelledImages;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-e2e-'));
  model = await makeModel(tmp);
  images = join(tmp, 'images');
  files = await mnistFolder(images, COUNT);
  mnist = await readMnist('test');
});
after(() => rm(tmp, { recursive: true, force: true }));

/** Checks a points.csv (with z columns) against the model run directly on the MNIST pixels. */
async function checkAgainstDirect(csvFile: string): Promise<string[][]> {
  const [header, ...rows] = await readCsvFile(csvFile);
  assert.deepEqual(header, pointsColumns(10));
  assert.equal(rows.length, COUNT, 'one row per file');
  assert.deepEqual(
    rows.map((r) => r[0]),
    [...files].sort(comparePaths),
    'every file once, in walk order',
  );
  const indices = rows.map((r) => indexOf(r[0]!));
  const d = await directOutputs(model, mnist, indices);
  const n = d.info.clusters;
  const col = (k: number) => rows.map((r) => Number(r[k]));
  assertClose(
    col(1),
    indices.map((_, i) => d.point[2 * i]!),
    TOL_XY,
    'x',
  );
  assertClose(
    col(2),
    indices.map((_, i) => d.point[2 * i + 1]!),
    TOL_XY,
    'y',
  );
  const probs = (i: number) => Array.from(d.clusterProb.subarray(i * n, (i + 1) * n));
  assertClose(
    col(4),
    indices.map((_, i) => Math.max(...probs(i))),
    TOL,
    'confidence',
  );
  // The cluster is the argmax; with a near-tie either index is right, so check its probability.
  assertClose(
    indices.map((_, i) => probs(i)[Number(rows[i]![3])]!),
    col(4),
    TOL,
    'probability of the written cluster',
  );
  for (let j = 0; j < d.info.styleDim; j++)
    assertClose(
      col(5 + j),
      indices.map((_, i) => d.style[i * d.info.styleDim + j]!),
      TOL,
      `z${j}`,
    );
  return rows;
}

test('the embed bin writes one row per image, matching the model run directly', async () => {
  const out = join(tmp, 'points.csv');
  const plot = join(tmp, 'map.png');
  const r = await runEmbed(['--model', model, '--input', images, '--out', out, '--style', '--plot', plot, '--batch', '64']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`embedded ${COUNT} files in .* files/s\\) on cpu; skipped 0`));
  assert.match(r.stderr, /^device: cpu$/m, 'says which device ran');
  assert.match(r.stderr, new RegExp(`^embed .* ${COUNT}/${COUNT} .* files/s ETA`, 'm'), 'plain progress lines when not a TTY');
  await checkAgainstDirect(out);
  const png = await readFile(plot);
  assert.equal(png.toString('latin1', 1, 4), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [940, 800], 'plot size (800 + legend)');
  await assert.rejects(stat(`${out}.errors.csv`), 'no errors file when nothing was skipped');
});

test('batch sizes 1 and 4,096, 2 onnxruntime threads (which embed keeps from spinning) and 3 decode workers give the same rows', async () => {
  for (const [batch, threads, workers] of [
    [1, undefined, undefined],
    [4096, undefined, undefined],
    [256, 2, undefined],
    [50, undefined, 3],
  ] as const) {
    const out = join(tmp, `points-${batch}.csv`);
    const log = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
    const s = await embedFolder({ model, input: images, out, batch, threads, workers, style: true, device: 'cpu', log });
    assert.equal(s.embedded, COUNT, `batch ${batch}`);
    assert.equal(s.skipped, 0);
    await checkAgainstDirect(out);
  }
});

test("the wide model (the decoders' threads added, for embed's last batches) gives the model's outputs", async () => {
  const m = await openModel(model, { device: 'cpu', threads: 1, spin: false, wideThreads: 2 });
  const single = await openModel(model, { device: 'cpu', threads: 0, wideThreads: 4 });
  try {
    assert.equal(m.wideThreads, 2);
    assert.equal(single.wideThreads, undefined, 'threads 0 (onnxruntime chooses): no second session');
    const size = 28 * 28;
    const pixels = mnist.pixels.subarray(0, 600 * size);
    await m.prepareWide();
    const [narrow, wide] = [await m.run(pixels, 600), await m.run(pixels, 600, { wide: true })];
    assertClose(Array.from(wide.point), Array.from(narrow.point), TOL_XY, 'point');
    assertClose(Array.from(wide.clusterProb), Array.from(narrow.clusterProb), TOL, 'cluster_prob');
    assertClose(Array.from(wide.style), Array.from(narrow.style), TOL, 'style');
  } finally {
    await m.close();
    await single.close();
  }
});
