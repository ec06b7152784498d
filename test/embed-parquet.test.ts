/**
 * `embed --out points.parquet`, read back by DuckDB (from npm, not the library that wrote it):
 * row for row the CSV of the same input (same paths in the same order, same clusters, values
 * within float32 and batch rounding); committed part by part, so that a SIGKILL then --resume
 * gives every file exactly once; a finished file grows with --resume; files of several runs in one
 * folder read as one table; and what embed did not write is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorsPathFor } from '@aae-map/infer';
import { listParts, partsDirFor } from '../packages/infer/src/parquet-outputs.ts';
import { assertRefused, makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';
import { assertSameRows, duck, killWhen, parquetTypes, readParquetTable } from './parquet-helpers.ts';
import { runCheck } from './shard-helpers.ts';

const COUNT = 1500;
let tmp: string;
let model: string;
let input: string;
/** The CSV of the whole folder, with --style: what every Parquet output must equal. */
let reference: string[][];
let referenceErrors: string[][];

const embed = (out: string, ...more: string[]) => runEmbed(['--model', model, '--input', input, '--out', out, '--style', ...more]);
// Whole parts, by the writer's own rule: a part being written sits beside them as a temp file.
const partsOf = (out: string) => listParts(partsDirFor(out));

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-parquet-'));
  model = await makeModel(tmp);
  input = join(tmp, 'images');
  await mnistFolder(input, COUNT);
  for (const bad of ['0/bad-early.png', '9/zz-bad-late.png']) await writeFile(join(input, bad), 'not a png');
  const out = join(tmp, 'reference.csv');
  const r = await embed(out);
  assert.equal(r.code, 3, r.stderr);
  reference = await readCsvFile(out);
  referenceErrors = await readCsvFile(errorsPathFor(out));
  assert.equal(reference.length, COUNT + 1);
});
after(() => rm(tmp, { recursive: true, force: true }));

test('Parquet: DuckDB reads the CSV rows of the same input, with float32 and int32 columns, in several row groups', async () => {
  const out = join(tmp, 'points.parquet');
  const r = await embed(out, '--batch', '50', '--row-group', '200');
  assert.equal(r.code, 3, r.stderr);
  assertSameRows(await readParquetTable(out), reference, 'parquet');
  const types = await parquetTypes(out);
  assert.deepEqual(
    [types.path, types.x, types.y, types.confidence, types.cluster, types.z0, types.z9],
    ['VARCHAR', 'FLOAT', 'FLOAT', 'FLOAT', 'INTEGER', 'FLOAT', 'FLOAT'],
  );
  const [groups] = await duck(`SELECT count(DISTINCT row_group_id)::INT AS n FROM parquet_metadata('${out}')`);
  assert.ok(Number(groups!.n) >= COUNT / 250, `row groups: ${groups!.n}`);
  assert.deepEqual(await readCsvFile(errorsPathFor(out)), referenceErrors);
  assert.equal((await stat(`${out}.parts`).catch(() => undefined))?.isDirectory(), undefined, 'the parts are joined and removed');
});

test('Parquet: SIGKILL mid-run leaves whole parts; --resume then ends with every file exactly once', async () => {
  const out = join(tmp, 'killed.parquet');
  await killWhen(
    ['--model', model, '--input', input, '--out', out, '--style', '--batch', '4', '--row-group', '64'],
    async () => (await partsOf(out)).length >= 4,
  );
  assert.equal(await stat(out).catch(() => undefined), undefined, 'no --out before the end');
  const parts = await partsOf(out);
  const partial = await readParquetTable(join(`${out}.parts`, '*.parquet'));
  assert.ok(parts.length >= 4 && partial.length - 1 < COUNT, `killed part way: ${parts.length} parts, ${partial.length - 1} rows`);
  const r = await embed(out, '--resume', '--row-group', '300');
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /rows kept from the earlier run/);
  assertSameRows(await readParquetTable(out), reference, 'resumed');
  assert.deepEqual(await readCsvFile(errorsPathFor(out)), referenceErrors, 'each bad file listed once');
});

test('Parquet: --resume on a finished file adds the files that came since; a plain run replaces it', async () => {
  const grown = join(tmp, 'grown');
  await mnistFolder(grown, 200);
  const out = join(tmp, 'grown.parquet');
  const run = (...more: string[]) => runEmbed(['--model', model, '--input', grown, '--out', out, ...more]);
  assert.equal((await run()).code, 0);
  await writeFile(join(grown, '9', 'zzz-new.png'), await readFile(join(input, '0', '00003.png')));
  const r = await run('--resume');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /embedded 1 files.*200 rows kept/);
  const rows = await readParquetTable(out);
  assert.equal(rows.length, 202);
  assert.equal(rows.at(-1)![0], '9/zzz-new.png');
  assert.equal(new Set(rows.map((row) => row[0])).size, 202, 'each file once');
  assert.equal((await run()).code, 0);
  assert.equal((await readParquetTable(out)).length, 202);
});

test('Parquet: the outputs of several runs in one folder read as one table', async () => {
  const dir = join(tmp, 'points');
  await mkdir(dir);
  for (const digit of ['3', '7']) {
    const r = await runEmbed(['--model', model, '--input', join(input, digit), '--out', join(dir, `digit-${digit}.parquet`)]);
    assert.equal(r.code, 0, r.stderr);
  }
  const [all] = await duck(`SELECT count(*)::INT AS n, count(DISTINCT path)::INT AS d FROM read_parquet('${dir}/*.parquet')`);
  const expected = reference.filter((row) => row[0]!.startsWith('3/') || row[0]!.startsWith('7/')).length;
  assert.deepEqual([all!.n, all!.d], [expected, expected]);
});

test('Parquet: embed-check accounts for sharded Parquet outputs, and merges them into the CSV of one run', async () => {
  const dir = join(tmp, 'shards');
  await mkdir(dir);
  for (const k of [0, 1]) {
    const r = await embed(join(dir, `part-${k}.parquet`), '--shard', `${k}/2`);
    assert.equal(r.code, 3, r.stderr);
  }
  const merged = join(tmp, 'merged.csv');
  const r = await runCheck(['--input', input, '--outputs', join(dir, '*.parquet'), '--merge', merged]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^ +${COUNT} embedded once$`, 'm'));
  assert.match(r.stdout, /^ok: every file is accounted for exactly once$/m);
  // The merge is the CSV a whole-folder run writes, byte for byte where batches do not change the sums.
  assertSameRows(await readCsvFile(merged), reference, 'merged');
  assert.deepEqual(await readCsvFile(errorsPathFor(merged)), referenceErrors);
  assertRefused(
    await runCheck(['--input', input, '--outputs', join(dir, '*.parquet'), '--merge', join(tmp, 'merged.parquet')]),
    /--merge .*merged\.parquet: the merge is written as CSV; name a \.csv file/,
  );
  const missing = await runCheck(['--input', input, '--outputs', join(dir, 'part-0.parquet')]);
  assert.equal(missing.code, 1, missing.stdout + missing.stderr);
  assert.match(missing.stdout, /no output holds shard 1\/2/);
});

test('Parquet: a file or a parts folder embed did not write is refused in one line, and left alone', async () => {
  const notOurs = join(tmp, 'other.parquet');
  await writeFile(notOurs, 'PAR1 but not really');
  assertRefused(await embed(notOurs), /other\.parquet already exists and is not a Parquet points file from embed; pass --overwrite/);
  assertRefused(await embed(notOurs, '--resume'), /is not a Parquet points file from embed, so --resume cannot continue it/);
  assert.equal(await readFile(notOurs, 'utf8'), 'PAR1 but not really');
  const out = join(tmp, 'stranger.parquet');
  await mkdir(`${out}.parts`);
  await writeFile(join(`${out}.parts`, 'notes.txt'), 'mine');
  assertRefused(await embed(out), /stranger\.parquet\.parts holds notes\.txt, which embed did not write/);
  assert.equal(await readFile(join(`${out}.parts`, 'notes.txt'), 'utf8'), 'mine');
  assertRefused(await embed(out, '--row-group', '0'), /--row-group must be an integer from 1 to \d+, got 0/);
});
