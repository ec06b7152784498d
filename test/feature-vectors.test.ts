/**
 * Feature vectors end to end on data no one here made: scikit-learn's digits (1,797 8×8 digits
 * as 64 features, from Debian's python3-sklearn, which pnpm test's pretest copies into
 * .cache/sklearn/) and Fisher's iris (150 flowers, 4 features, classes by name).
 * - train reads a CSV and a .npy, standardises with the training rows' statistics, and export
 *   bakes them in before the first Gemm (digits has constant columns: their std is 1);
 * - onnxruntime on raw vectors gives what tfjs gave in training; embed and evaluate agree with
 *   training's test error; embed names rows by index, or by --id-column;
 * - bad input is one line, exit code 2, and nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EvalReport } from '@aae-map/evaluate';
import { openModel } from '@aae-map/infer';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadModel } from '@aae-map/train';
import { assertRefused, readCsvFile, runNode } from './embed-helpers.ts';
import { npyBytes, writeNpyF32, writeNpyLabels } from './fixtures/npy.ts';
import { readDigits, SKLEARN } from './fixtures/sklearn.ts';

// onnx-proto is shared's dependency, not the root's.
const { onnx } = createRequire(new URL('../packages/shared/package.json', import.meta.url))('onnx-proto');

const bin = (pkg: string, name: string) => fileURLToPath(new URL(`../packages/${pkg}/bin/${name}.js`, import.meta.url));
const TRAIN_ROWS = 1500;

let root: string;
/** digits.csv.gz: 64 pixel columns (0..16) and the digit. */
let digits: { values: number[][]; labels: number[] };
const run = (pkg: string, name: string, args: string[]) => runNode([bin(pkg, name), ...args], {}, root);
const at = (name: string) => join(root, name);
const csv = (rows: Array<Array<string | number>>) => rows.map((r) => r.join(',')).join('\n');

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-features-'));
  digits = await readDigits();
  // Training rows as CSV (no header, as the file comes), the held-out rows as float32 .npy.
  await writeFile(at('digits-train.csv'), csv(digits.values.slice(0, TRAIN_ROWS)));
  await writeFile(at('digits-train-labels.csv'), csv([['label'], ...digits.labels.slice(0, TRAIN_ROWS).map((l) => [l])]));
  const testRows = digits.values.slice(TRAIN_ROWS);
  await writeNpyF32(at('digits-test.npy'), Float32Array.from(testRows.flat()), testRows.length, 64);
  await writeNpyLabels(at('digits-test-labels.npy'), digits.labels.slice(TRAIN_ROWS));
});
after(() => rm(root, { recursive: true, force: true }));

const DIGITS_RUN = 'runs/digits-train-nd-500';
const trainDigits = [
  '--data-labels',
  'digits-train-labels.csv',
  '--test-data',
  'digits-test.npy',
  '--test-labels',
  'digits-test-labels.npy',
];
let trainError: number;

test('digits: train on a CSV, test on a .npy; the standardisation sits before the first Gemm, a constant column divided by 1', async (t) => {
  const args = [
    '--data',
    'digits-train.csv',
    ...trainDigits,
    '--hidden',
    '64,64',
    '--epochs',
    '4',
    '--lr',
    '0.005',
    '--labels',
    '500',
    '--batch',
    '50',
  ];
  const trained = await run('train', 'train', [...args, '--backend', 'wasm', '--no-progress']);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /run runs\/digits-train-nd-500: 1500 training images \(500 labelled\), 297 test images/);
  trainError = Number(/test error ([\d.]+)%/.exec(trained.stdout)![1]) / 100;
  t.diagnostic(`digits, 1500 training rows, 4 epochs: test error ${trainError}`);
  // Chance is 0.9; these 80 iterations read 0.15 (it checks the pipeline, not the recipe).
  assert.ok(trainError < 0.25, `test error ${trainError}`);

  const exported = await run('export', 'export', ['digits.onnx', '--run', DIGITS_RUN]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /float32 \[N, 64\] -> 10 clusters/);
  const graph = onnx.ModelProto.decode(await readFile(at('digits.onnx'))).graph;
  const ops = graph.node.map((n: { opType: string }) => n.opType);
  assert.deepEqual(ops.slice(0, 3), ['Sub', 'Div', 'Gemm']);
  assert.deepEqual(
    graph.input.map((i: { name: string }) => i.name),
    ['features'],
  );
  const std = graph.initializer.find((i: { name: string }) => i.name === 'feature_std');
  const stds = new Float32Array(new Uint8Array(std.rawData).buffer);
  // Pixel (0, 0) is blank in every digit: a constant feature, standardised to 0 rather than NaN.
  assert.equal(stds[0], 1);
  assert.ok(stds.every((v) => v > 0));
  const manifest = JSON.parse(await readFile(at(`${DIGITS_RUN}/manifest.json`), 'utf8'));
  assert.equal(manifest.architecture.inputKind, 'features');
  assert.deepEqual(Array.from(stds), manifest.architecture.standardization.std);
});

test('digits: onnxruntime on raw vectors gives what the trained tfjs encoder gives', async () => {
  const rows = Float32Array.from(digits.values.slice(TRAIN_ROWS).flat());
  const count = rows.length / 64;
  const tfModel = await loadModel(at(DIGITS_RUN));
  const ort = await openModel(at('digits.onnx'), { device: 'cpu' });
  try {
    const a = await tfModel.encode(rows, count);
    const b = await ort.run(rows, count);
    assertClose(b.point, a.point, { atol: 1e-3, rtol: 1e-4 }, 'point');
    assertClose(b.clusterProb, a.clusterProb, { atol: 1e-5 }, 'cluster_prob');
  } finally {
    tfModel.dispose();
    await ort.close();
  }
});

test('digits: embed writes a row per vector named by its index; evaluate scores what training measured', async () => {
  const embedded = await run('infer', 'embed', ['--model', 'digits.onnx', '--input', 'digits-test.npy', '--out', 'digits.csv', '--style']);
  assert.equal(embedded.code, 0, embedded.stderr);
  assert.match(embedded.stdout, /embedded 297 vectors/);
  const [header, ...rows] = await readCsvFile(at('digits.csv'));
  assert.deepEqual(header!.slice(0, 6), ['path', 'x', 'y', 'cluster', 'confidence', 'z0']);
  assert.deepEqual(
    rows.map((r) => r[0]),
    rows.map((_, i) => String(i)),
  );
  const labels = digits.labels.slice(TRAIN_ROWS);
  const wrong = rows.filter((r, i) => Number(r[3]) !== labels[i]).length;
  assert.ok(Math.abs(wrong / rows.length - trainError) <= 1 / 297, `embed error ${wrong / rows.length}, training ${trainError}`);

  const args = ['--data', 'digits-test.npy', '--data-labels', 'digits-test-labels.npy', '--train-data', 'digits-train.csv'];
  const evaluated = await run('evaluate', 'evaluate', [
    '--model',
    'digits.onnx',
    ...args,
    '--train-labels',
    'digits-train-labels.csv',
    '--no-progress',
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const report = JSON.parse(await readFile(at('digits.eval.json'), 'utf8')) as EvalReport;
  assert.deepEqual([report.data.test.count, report.data.test.dim, report.data.fit.count], [297, 64, TRAIN_ROWS]);
  assert.ok(
    Math.abs(report.classification.direct!.error - trainError) <= 1 / 297,
    `${report.classification.direct!.error} vs ${trainError}`,
  );
  assert.ok(report.knn.k5 > 0.5, `5-NN accuracy in 2-D ${report.knn.k5}`);
});

test('iris: class names from a CSV column reach the model; embed names rows by --id-column', async () => {
  const [head, ...rows] = (await readFile(join(SKLEARN, 'iris.csv'), 'utf8')).trim().split('\n');
  // The first line is '150,4,setosa,versicolor,virginica': counts, then the names of targets 0, 1, 2.
  const names = head!.split(',').slice(2);
  const cells = rows.map((r) => r.split(','));
  await writeFile(
    at('iris.csv'),
    csv([['sepal length', 'sepal width', 'petal length', 'petal width'], ...cells.map((c) => c.slice(0, 4))]),
  );
  await writeFile(at('iris-labels.csv'), csv([['label'], ...cells.map((c) => [names[Number(c[4])]!])]));
  await writeFile(at('iris-ids.csv'), csv([['id', 'a', 'b', 'c', 'd'], ...cells.map((c, i) => [`flower ${i}`, ...c.slice(0, 4)])]));
  const args = [
    '--data',
    'iris.csv',
    '--data-labels',
    'iris-labels.csv',
    '--labels',
    '60',
    '--batch',
    '15',
    '--hidden',
    '16',
    '--epochs',
    '2',
  ];
  const trained = await run('train', 'train', [...args, '--no-progress']);
  assert.equal(trained.code, 0, trained.stderr);
  // Held out: round(10%) of each class's 50.
  assert.match(trained.stderr, /run runs\/iris-nd-60: 135 training images \(60 labelled\), 15 test images/);
  assert.equal((await run('export', 'export', ['iris.onnx', '--run', 'runs/iris-nd-60'])).code, 0);
  const model = await openModel(at('iris.onnx'), { device: 'cpu' });
  await model.close();
  assert.deepEqual([model.info.inputKind, model.info.classNames], ['features', ['setosa', 'versicolor', 'virginica']]);
  const embedded = await run('infer', 'embed', [
    '--model',
    'iris.onnx',
    '--input',
    'iris-ids.csv',
    '--id-column',
    'id',
    '--out',
    'iris-points.csv',
  ]);
  assert.equal(embedded.code, 0, embedded.stderr);
  const [, ...points] = await readCsvFile(at('iris-points.csv'));
  assert.deepEqual(
    points.map((r) => r[0]),
    cells.map((_, i) => `flower ${i}`),
  );
});

test('bad input: one line naming the file and the problem, exit code 2, nothing written', async () => {
  await writeFile(at('ints.npy'), npyBytes('<i8', [2, 2], new Uint8Array(32)));
  await writeFile(at('cut.npy'), npyBytes('<f4', [100, 64], new Uint8Array(1000)));
  await writeFile(at('ragged.csv'), '1,2,3\n4,5,6\n7,8\n');
  await writeFile(at('word.csv'), 'a,b\n1,2\n3,n/a\n');
  await mkdir(at('no-images'));
  const cases: Array<[string, string[], RegExp]> = [
    ['train', ['--data', 'ints.npy', '--labels', '0'], /ints\.npy: dtype '<i8' is not supported for features/],
    ['train', ['--data', 'cut.npy', '--labels', '0'], /cut\.npy is truncated: its header says shape \(100, 64\)/],
    ['train', ['--data', 'ragged.csv', '--labels', '0'], /ragged\.csv row 3 has 2 cells but row 1 has 3/],
    ['train', ['--data', 'word.csv', '--labels', '0'], /word\.csv row 3, column 'b': 'n\/a' is not a number/],
    [
      'train',
      ['--data', 'digits-train.csv', '--data-labels', 'digits-test-labels.npy'],
      /digits-test-labels\.npy has 297 labels but digits-train\.csv has 1500 rows/,
    ],
    [
      'infer',
      ['--model', 'digits.onnx', '--input', 'iris.csv', '--out', 'never.csv'],
      /iris\.csv holds 4-D vectors but digits\.onnx takes 64-D ones/,
    ],
    [
      'evaluate',
      [
        '--model',
        'digits.onnx',
        '--data',
        'iris.csv',
        '--data-labels',
        'iris-labels.csv',
        '--train-data',
        'iris.csv',
        '--train-labels',
        'iris-labels.csv',
        '--out',
        'never.json',
      ],
      /iris\.csv holds 4-D vectors but the model takes 64-D ones/,
    ],
    [
      'infer',
      ['--model', 'digits.onnx', '--input', 'no-images', '--out', 'never.csv'],
      /digits\.onnx takes 64-D feature vectors, not images; give --input vectors\.npy/,
    ],
  ];
  for (const [pkg, args, message] of cases) {
    const r = await run(pkg, pkg === 'infer' ? 'embed' : pkg, args);
    assertRefused(r, message, args.join(' '));
  }
  // Refused after reading the data, whose summary lines come first.
  const augmented = await run('train', 'train', ['--data', 'iris.csv', '--data-labels', 'iris-labels.csv', '--augment', '2']);
  assert.equal(augmented.code, 2, augmented.stderr);
  assert.match(augmented.stderr.trim().split('\n').at(-1)!, /^error: --augment, --augment-rotate and --augment-scale move pixels/);
  for (const never of ['never.csv', 'never.json', 'runs/ints-nd-0', 'runs/cut-nd-0', 'runs/ragged-nd-0', 'runs/word-nd-0'])
    assert.ok(!existsSync(at(never)), never);
});
