/**
 * Feature vectors from Parquet end to end, on scikit-learn's digits (1,797 8×8 digits as 64
 * features; see feature-vectors.test.ts), written to Parquet by DuckDB, an independent writer:
 * - train on 64 integer columns with Parquet labels, tested on one list column of floats with an
 *   id column, learns exactly what the same rows as CSV and .npy learn (same seed): every epoch's
 *   metrics and the standardisation are equal;
 * - embed of the Parquet test set (rows named by --id-column) gives the .npy's points, and
 *   evaluate on Parquet gives the numbers it gives on CSV and .npy;
 * - non-numeric columns, nulls, ragged lists and a D the model does not take are one line, exit 2.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EvalReport } from '@aae-map/evaluate';
import { readFeatures, readLabels } from '@aae-map/shared';
import { assertRefused, readCsvFile, runNode } from './embed-helpers.ts';
import { writeNpyF32, writeNpyLabels } from './fixtures/npy.ts';
import { readDigits } from './fixtures/sklearn.ts';
import { duck } from './parquet-helpers.ts';

const bin = (pkg: string, name: string) => fileURLToPath(new URL(`../packages/${pkg}/bin/${name}.js`, import.meta.url));
const TRAIN_ROWS = 1500;
const TEST_ROWS = 297;

let root: string;
let labels: number[];
const run = (pkg: string, name: string, args: string[]) => runNode([bin(pkg, name), ...args], {}, root);
const at = (name: string) => join(root, name);
const csv = (rows: Array<Array<string | number>>) => `${rows.map((r) => r.join(',')).join('\n')}\n`;
const pixelColumns = Array.from({ length: 64 }, (_, k) => `p${k}`);
/** DuckDB writes the query's rows to `file` as Parquet, in the order it reads them. */
const toParquet = (query: string, file: string) => duck(`COPY (${query}) TO '${at(file)}' (FORMAT parquet)`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'aae-features-parquet-'));
  const digits = await readDigits();
  const values = digits.values;
  labels = digits.labels;
  const testRows = values.slice(TRAIN_ROWS);
  await writeFile(at('train.csv'), csv([pixelColumns, ...values.slice(0, TRAIN_ROWS)]));
  await writeFile(at('train-labels.csv'), csv([['label'], ...labels.slice(0, TRAIN_ROWS).map((l) => [l])]));
  await writeFile(at('test-ids.csv'), csv([['id', ...pixelColumns], ...testRows.map((r, i) => [`digit ${i}`, ...r])]));
  await writeNpyF32(at('test.npy'), Float32Array.from(testRows.flat()), TEST_ROWS, 64);
  await writeNpyLabels(at('test-labels.npy'), labels.slice(TRAIN_ROWS));
  const readCsv = (file: string) => `SELECT * FROM read_csv('${at(file)}', header = true)`;
  await toParquet(readCsv('train.csv'), 'train.parquet');
  await toParquet(readCsv('train-labels.csv'), 'train-labels.parquet');
  await toParquet(`SELECT id, [${pixelColumns.join(', ')}]::FLOAT[] AS pixels FROM (${readCsv('test-ids.csv')})`, 'test.parquet');
  await toParquet(
    `SELECT 'digit ' || i AS id, l AS label FROM (SELECT unnest(range(${TEST_ROWS})) AS i, unnest([${labels.slice(TRAIN_ROWS).join(',')}]) AS l)`,
    'test-labels.parquet',
  );
});
after(() => rm(root, { recursive: true, force: true }));

const settings = '--hidden 64,64 --epochs 2 --lr 0.005 --labels 500 --batch 50 --backend wasm --no-progress'.split(' ');

/** What each epoch of a run learned, without its timings. */
async function learned(runDir: string) {
  const lines = (await readFile(at(`${runDir}/metrics.jsonl`), 'utf8')).trim().split('\n');
  return lines.map((l) => {
    const { loss, discConfidence, labelledAccuracy, testAccuracy } = JSON.parse(l);
    return { loss, discConfidence, labelledAccuracy, testAccuracy };
  });
}

test('DuckDB wrote what the test reads: 64 BIGINT columns, and a list of floats beside an id', async () => {
  const types = await duck(`DESCRIBE SELECT * FROM read_parquet('${at('train.parquet')}')`);
  assert.deepEqual(new Set(types.map((t) => t.column_type)), new Set(['BIGINT']));
  const test = await duck(`DESCRIBE SELECT * FROM read_parquet('${at('test.parquet')}')`);
  assert.deepEqual(
    test.map((t) => [t.column_name, t.column_type]),
    [
      ['id', 'VARCHAR'],
      ['pixels', 'FLOAT[]'],
    ],
  );
});

test('train on Parquet learns exactly what the same rows as CSV and .npy learn; embed and evaluate agree', async () => {
  const fromCsv = [
    '--data',
    'train.csv',
    '--data-labels',
    'train-labels.csv',
    '--test-data',
    'test.npy',
    '--test-labels',
    'test-labels.npy',
  ];
  const fromParquet = ['--data', 'train.parquet', '--data-labels', 'train-labels.parquet', '--test-data', 'test.parquet'];
  const a = await run('train', 'train', [...fromCsv, ...settings, '--name', 'csv']);
  assert.equal(a.code, 0, a.stderr);
  // A Parquet test set with an id column is refused for training (the id would be a feature), so test.parquet's pixels go as a list.
  const b = await run('train', 'train', [...fromParquet, '--test-labels', 'test-labels.parquet', ...settings, '--name', 'parquet']);
  assert.equal(b.code, 2, 'the id column beside the list is refused');
  assert.match(b.stderr, /test\.parquet has a list column 'pixels' beside other columns/);
  await toParquet(`SELECT pixels FROM read_parquet('${at('test.parquet')}')`, 'test-pixels.parquet');
  const c = await run('train', 'train', [
    ...fromParquet.slice(0, 5),
    'test-pixels.parquet',
    '--test-labels',
    'test-labels.parquet',
    ...settings,
    '--name',
    'parquet',
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /1500 training images \(500 labelled\), 297 test images/);
  assert.deepEqual(await learned('runs/parquet'), await learned('runs/csv'));
  const manifest = async (r: string) => JSON.parse(await readFile(at(`runs/${r}/manifest.json`), 'utf8')).architecture.standardization;
  assert.deepEqual(await manifest('parquet'), await manifest('csv'));

  for (const r of ['csv', 'parquet']) assert.equal((await run('export', 'export', [`${r}.onnx`, '--run', `runs/${r}`])).code, 0);
  const embedded = await run('infer', 'embed', [
    '--model',
    'parquet.onnx',
    '--input',
    'test.parquet',
    '--id-column',
    'id',
    '--out',
    'pq.csv',
  ]);
  assert.equal(embedded.code, 0, embedded.stderr);
  assert.equal((await run('infer', 'embed', ['--model', 'csv.onnx', '--input', 'test.npy', '--out', 'npy.csv'])).code, 0);
  const [pqHead, ...pq] = await readCsvFile(at('pq.csv'));
  const [npyHead, ...npy] = await readCsvFile(at('npy.csv'));
  assert.deepEqual(pqHead, npyHead);
  assert.deepEqual(
    pq.map((r) => r[0]),
    npy.map((_, i) => `digit ${i}`),
  );
  assert.deepEqual(
    pq.map((r) => r.slice(1)),
    npy.map((r) => r.slice(1)),
  );

  const evaluate = async (model: string, args: string[], out: string) => {
    const r = await run('evaluate', 'evaluate', ['--model', model, ...args, '--out', out, '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(await readFile(at(out), 'utf8')) as EvalReport;
  };
  const p = await evaluate(
    'parquet.onnx',
    [
      '--data',
      'test-pixels.parquet',
      '--data-labels',
      'test-labels.parquet',
      '--train-data',
      'train.parquet',
      '--train-labels',
      'train-labels.parquet',
    ],
    'pq.json',
  );
  const q = await evaluate(
    'csv.onnx',
    ['--data', 'test.npy', '--data-labels', 'test-labels.npy', '--train-data', 'train.csv', '--train-labels', 'train-labels.csv'],
    'csv.json',
  );
  assert.deepEqual([p.data.test.count, p.data.test.dim, p.data.fit.count], [TEST_ROWS, 64, TRAIN_ROWS]);
  const scores = (r: EvalReport) => [r.classification, r.knn, r.trustworthiness, r.silhouette];
  assert.deepEqual(scores(p), scores(q));
  // The run's own test error, from points embed wrote: the same share of digits in the wrong cluster.
  const wrong = pq.filter((r, i) => Number(r[3]) !== labels[TRAIN_ROWS + i]).length / TEST_ROWS;
  assert.ok(Math.abs(p.classification.direct!.error - wrong) < 1e-9, `${p.classification.direct!.error} vs ${wrong}`);
});

test('bad Parquet: text columns, nulls, ragged lists, a D the model does not take: one line, exit code 2, nothing written', async () => {
  await toParquet(`SELECT * FROM read_parquet('${at('test.parquet')}')`, 'with-id.parquet');
  await toParquet(`SELECT i::DOUBLE AS a, CASE WHEN i = 2 THEN NULL ELSE i END::DOUBLE AS b FROM range(4) t(i)`, 'nulls.parquet');
  await toParquet(`SELECT CASE WHEN i = 3 THEN [1.0, 2.0] ELSE [1.0, 2.0, 3.0] END AS v FROM range(5) t(i)`, 'ragged.parquet');
  await toParquet(
    `SELECT i::FLOAT AS a, (i % 3)::FLOAT AS b, (i % 5)::FLOAT AS c, (i % 7)::FLOAT AS d FROM range(20) t(i)`,
    'four.parquet',
  );
  await toParquet(`SELECT i % 2 AS label FROM range(20) t(i)`, 'four-labels.parquet');
  await writeFile(at('cut.parquet'), (await readFile(at('four.parquet'))).subarray(0, 100));
  const cases: Array<[string, string[], RegExp]> = [
    [
      'train',
      ['--data', 'train-labels.parquet', '--data-labels', 'test-labels.parquet'],
      /test-labels\.parquet has 297 labels but train-labels\.parquet has 1500 rows/,
    ],
    ['train', ['--data', 'test-labels.parquet', '--labels', '0'], /test-labels\.parquet row 1, column 'id' holds 'digit 0', not a number/],
    ['train', ['--data', 'nulls.parquet', '--labels', '0'], /nulls\.parquet row 3, column 'b' is null; every feature must be a number/],
    ['train', ['--data', 'ragged.parquet', '--labels', '0'], /ragged\.parquet row 4, column 'v' holds 2 values but row 1 holds 3/],
    ['train', ['--data', 'cut.parquet', '--labels', '0'], /cut\.parquet is not a Parquet file/],
    [
      'infer',
      ['--model', 'csv.onnx', '--input', 'four.parquet', '--out', 'never.csv'],
      /four\.parquet holds 4-D vectors but csv\.onnx takes 64-D ones/,
    ],
    [
      'infer',
      ['--model', 'csv.onnx', '--input', 'test.parquet', '--id-column', 'name', '--out', 'never.csv'],
      /test\.parquet has no column 'name' \(--id-column\); its columns are id,pixels/,
    ],
    [
      'evaluate',
      [
        '--model',
        'csv.onnx',
        ...['--data', 'four.parquet', '--data-labels', 'four-labels.parquet'],
        ...['--train-data', 'four.parquet', '--train-labels', 'four-labels.parquet', '--out', 'never.json'],
      ],
      /four\.parquet holds 4-D vectors but the model takes 64-D ones/,
    ],
  ];
  for (const [pkg, args, message] of cases) assertRefused(await run(pkg, pkg === 'infer' ? 'embed' : pkg, args), message, args.join(' '));
  for (const never of ['never.csv', 'never.json', 'runs/test-labels-nd-0', 'runs/nulls-nd-0', 'runs/ragged-nd-0', 'runs/cut-nd-0'])
    assert.ok(!existsSync(at(never)), never);
});

test('the reader on its own: integer ids, a list of doubles, class names from text labels with nulls; holes and a list beside columns refused', async () => {
  await toParquet(`SELECT i AS id, [i * 0.5, 10 - i]::DOUBLE[] AS v FROM range(3) t(i)`, 'list.parquet');
  const m = await readFeatures(at('list.parquet'), 'id');
  assert.deepEqual([m.count, m.dim, m.ids, Array.from(m.values)], [3, 2, ['0', '1', '2'], [0, 10, 0.5, 9, 1, 8]]);
  await toParquet(`SELECT * FROM (VALUES ('cat'), (NULL), ('dog'), ('cat')) t(name)`, 'names.parquet');
  const names = await readLabels(at('names.parquet'), 4, 'x');
  assert.deepEqual(
    [Array.from(names.labels), names.classNames],
    [
      [0, -1, 1, 0],
      ['cat', 'dog'],
    ],
  );
  await toParquet(`SELECT [1.0, NULL]::DOUBLE[] AS v FROM range(2)`, 'hole.parquet');
  await assert.rejects(readFeatures(at('hole.parquet')), /hole\.parquet row 1, column 'v\[1\]' is null/);
  await toParquet(`SELECT [1.0] AS v, 2.0 AS w`, 'mixed.parquet');
  await assert.rejects(readFeatures(at('mixed.parquet')), /mixed\.parquet has a list column 'v' beside other columns/);
  await assert.rejects(readFeatures(at('list.parquet')), /list\.parquet has a list column 'v' beside other columns/);
});
