/**
 * RGB end to end on real colour photographs: 32×32 patches cut from four of scikit-image's
 * photos (astronaut, cat, coffee, stained tissue; one class each, scripts/ensure-test-data.mjs
 * fetches them), 300 to train on and 80 held out.
 * - train (tiny: --hidden 32,32, one epoch) picks RGB by itself and says so; the encoder takes
 *   and the decoder makes 32·32·3 values;
 * - export's graph takes uint8 [N, 32, 32, 3] and says input_channels 3, by the shared check;
 * - embed of the held-out folder gives the points of training's own forward pass on the same
 *   pixels (so train, the decoders and the ONNX graph agree on the channel layout);
 * - evaluate on the folders scores what training's test accuracy says;
 * - a gray file and its colour-stored copy embed alike with the RGB model and --convert-colour
 *   (gray replicated), and without it the gray file is listed as bad;
 * - --resume reads the folder as the run was trained (RGB), whatever --channels says;
 * - a --channels 1 model on the same colour photos takes [N, 32, 32]; embed lists them as bad, and
 *   embeds them converted with --convert-colour (train converts by itself: --channels is the choice).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evaluate } from '@aae-map/evaluate';
import { exportModel } from '@aae-map/export';
import { embedFolder } from '@aae-map/infer';
import { checkModelContract, comparePaths, parseCsv, readMnist, readOnnxModel } from '@aae-map/shared';
import { isColourImage } from '@aae-map/shared/decode';
import { loadFolderDataset, loadModel, type TrainOptions, train } from '@aae-map/train';
import { writeGray } from '../packages/train/test/image-fixtures.ts';
import { photoClass, photoFiles, writeGrayAsRgb, writePatchFolder } from '../packages/train/test/photo-patches.ts';

const SIDE = 32;
const quiet = { progress: false, backend: 'wasm' } as const;
const tiny: TrainOptions = { ...quiet, hidden: [32, 32], epochs: 1, batch: 20, labels: 100, seed: 3 };

let root: string;
let trainDir: string;
let testDir: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-colour-'));
  trainDir = join(root, 'photos');
  testDir = join(root, 'photos-test');
  await writePatchFolder(trainDir, { perPhoto: 75, side: SIDE, seed: 1 });
  await writePatchFolder(testDir, { perPhoto: 20, side: SIDE, seed: 2 });
});
after(() => rm(root, { recursive: true, force: true }));

async function embedRows(model: string, input: string, convertColour = false): Promise<string[][]> {
  const out = join(root, `points-${Math.random().toString(36).slice(2)}.csv`);
  const s = await embedFolder({ input, out, model, device: 'cpu', convertColour });
  assert.equal(s.skipped, 0);
  return parseCsv(await readFile(out, 'utf8')).slice(1);
}

test('photos → train (RGB, chosen by sampling) → export [N, 32, 32, 3] → embed → evaluate', async (t) => {
  const lines: string[] = [];
  const runDir = join(root, 'rgb-run');
  const size = { width: SIDE, height: SIDE };
  const r = await train({ ...tiny, data: { folder: trainDir, test: testDir, size }, runDir, log: (l) => void lines.push(l) });
  assert.ok(
    lines.some((l) => /^channels: 3 \(RGB\), since \d+ of 32 images sampled from .* are in colour/.test(l)),
    lines.join('\n'),
  );
  const a = r.manifest.architecture;
  assert.equal(a.channels, 3);
  const shape = (name: string) => r.manifest.weights.find((w) => w.name === name)!.shape;
  assert.deepEqual(shape('encoder/dense0/kernel'), [SIDE * SIDE * 3, 32]);
  assert.deepEqual(shape('decoder/out/kernel'), [32, SIDE * SIDE * 3]);
  assert.deepEqual(r.manifest.classNames, (await photoFiles()).map(photoClass));
  const accuracy = r.metrics.at(-1)!.testAccuracy!;

  const model = join(root, 'photos.onnx');
  const summary = await exportModel(runDir, model);
  assert.equal(summary.channels, 3);
  const { props, graph } = readOnnxModel(await readFile(model), model);
  assert.deepEqual(graph.inputs[0]!.dims, ['N', SIDE, SIDE, 3]);
  assert.equal(props.input_channels, '3');
  const info = checkModelContract(props, graph, model);
  assert.ok(info.inputKind === 'image');
  assert.equal(info.channels, 3);

  // Training's forward pass on the held-out pixels as training decodes them.
  const { dataset } = await loadFolderDataset({ folder: testDir, size, testSplit: 0, channels: 3 }, { progress: false, log: () => {} });
  const tf = await loadModel(runDir);
  const ref = await tf.encode(dataset.train.pixels, dataset.train.count);
  tf.dispose();
  const rows = await embedRows(model, testDir);
  assert.equal(rows.length, 80);
  let worst = 0;
  rows.forEach((row, i) => {
    worst = Math.max(worst, Math.abs(Number(row[1]) - ref.point[2 * i]!), Math.abs(Number(row[2]) - ref.point[2 * i + 1]!));
  });
  t.diagnostic(`max |embed - training's forward pass| of the 2-D points: ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-3, `points differ by up to ${worst}`);
  const paths = rows.map((row) => row[0]!);
  assert.deepEqual(paths, [...paths].sort(comparePaths), "embed's rows in the walk's order, as training's");

  const { report } = await evaluate({ model, testImages: testDir, fitImages: trainDir, progress: false, out: join(root, 'eval.json') });
  t.diagnostic(`test accuracy: training ${accuracy}; evaluate's error ${report.classification.error}, 5-NN ${report.knn.k5}`);
  assert.equal(report.data.test.count, 80);
  assert.equal(report.data.fit.count, 300);
  assert.equal(report.classification.primary, 'direct');
  // onnxruntime and tfjs may break a near-tie differently: one image of 80.
  assert.ok(
    Math.abs(1 - report.classification.error - accuracy) <= 1 / 80,
    `evaluate ${report.classification.error} vs training ${accuracy}`,
  );
  assert.ok(report.trustworthiness.value > 0.5 && report.trustworthiness.value <= 1, `trustworthiness ${report.trustworthiness.value}`);

  // A gray file and the same pixels stored as colour: one point, once converting is asked for.
  const mixed = join(root, 'gray-in-rgb');
  const digit = (await readMnist('test')).pixels.subarray(0, 784);
  await writeGray(join(mixed, 'a-gray.png'), digit, 28, 28, 'png', true);
  await writeGrayAsRgb(join(mixed, 'b-rgb.png'), digit, 28, 28);
  const [gray, rgb] = await embedRows(model, mixed, true);
  assert.deepEqual(gray!.slice(1), rgb!.slice(1));
  const refused = await embedFolder({ input: mixed, out: join(root, 'gray-in-rgb.csv'), model, device: 'cpu' });
  assert.equal(refused.skipped, 1, 'the gray file, without --convert-colour');
});

test('--resume of the RGB run reads its folder as RGB, whatever --channels says now', async () => {
  const runDir = join(root, 'rgb-run');
  const data = { folder: trainDir, test: testDir, size: { width: SIDE, height: SIDE }, channels: 1 as const };
  const r = await train({ ...tiny, epochs: 2, resume: true, data, runDir, log: () => {} });
  assert.equal(r.manifest.epochs, 2);
  assert.equal(r.manifest.architecture.channels, 3);
});

test('--channels 1 on the colour photos: a gray model, [N, 32, 32]; embed lists the colour patches, and converts them when asked', async () => {
  const runDir = join(root, 'gray-run');
  const r = await train({ ...tiny, data: { folder: trainDir, size: { width: SIDE, height: SIDE }, channels: 1 }, runDir, log: () => {} });
  assert.equal(r.manifest.architecture.channels, 1);
  const model = join(root, 'gray.onnx');
  await exportModel(runDir, model);
  const { props, graph } = readOnnxModel(await readFile(model), model);
  assert.deepEqual(graph.inputs[0]!.dims, ['N', SIDE, SIDE]);
  assert.equal(props.input_channels, '1');
  // A patch of a flat, colourless part of a photo is gray by the rule, and is embedded.
  const size = { width: SIDE, height: SIDE };
  const { dataset } = await loadFolderDataset({ folder: testDir, size, testSplit: 0, channels: 3 }, { progress: false, log: () => {} });
  const px = SIDE * SIDE * 3;
  let inColour = 0;
  for (let i = 0; i < 80; i++) if (isColourImage((dataset.train.pixels as Uint8Array).subarray(i * px, (i + 1) * px))) inColour++;
  assert.ok(inColour >= 70, `${inColour} of 80 patches in colour`);
  const refused = await embedFolder({ input: testDir, out: join(root, 'gray-refused.csv'), model, device: 'cpu' });
  assert.equal(refused.skipped, inColour, 'the patches in colour, for a gray model without --convert-colour');
  assert.equal((await embedRows(model, testDir, true)).length, 80);
});
