/**
 * `embed --shard K/N` and `embed-check`, on real MNIST PNGs (and two bad files) with the real
 * bins: three shards embed each file once, in the share its path hashes to; together they are
 * the unsharded run row for row; `--shard auto` reads Slurm's and Kubernetes's variables; bad
 * shard flags, and shards that disagree with their siblings' model or --style, are refused in
 * one line; embed-check passes the complete run (and merges it into the unsharded run's file),
 * and fails, naming the files, a run with a shard missing, a shard twice, or a foreign row.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { embedFolder, errorsPathFor } from '@aae-map/infer';
import { comparePaths, shardOf } from '@aae-map/shared';
import { assertRefused, makeModel, mnistFolder, type RunResult, readCsvFile, runEmbed } from './embed-helpers.ts';
import { assertSameRows, lastProgress, readMeta, runCheck, unionOf } from './shard-helpers.ts';

const COUNT = 1200;
const N = 3;
let tmp: string;
let model: string;
let input: string;
let reference: string[][];
let referenceErrors: string[][];
const shardOut = (k: number) => join(tmp, 'shards', `points-${k}.csv`);
const shardRuns: RunResult[] = [];
/** No batch-system variable from the environment the tests run in. */
const NO_ENGINE = { SLURM_ARRAY_TASK_ID: undefined, SLURM_ARRAY_TASK_COUNT: undefined, JOB_COMPLETION_INDEX: undefined };

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-shard-'));
  model = await makeModel(tmp);
  input = join(tmp, 'images');
  const files = await mnistFolder(input, COUNT);
  await mkdir(join(input, 'ü'));
  await copyFile(join(input, files[0]!), join(input, 'ü', 'café 1.png'));
  for (const bad of ['0/bad-empty.png', '5/zz-empty.png', '9/also-empty.png']) await writeFile(join(input, bad), '');
  const out = join(tmp, 'reference.csv');
  const log = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  await embedFolder({ model, input, out, device: 'cpu', log });
  reference = (await readCsvFile(out)).slice(1);
  referenceErrors = (await readCsvFile(errorsPathFor(out))).slice(1);
  assert.equal(reference.length, COUNT + 1);
  assert.equal(referenceErrors.length, 3);
  await mkdir(join(tmp, 'shards'));
  for (let k = 0; k < N; k++)
    shardRuns.push(await runEmbed(['--model', model, '--input', input, '--out', shardOut(k), '--shard', `${k}/${N}`], NO_ENGINE));
});
after(() => rm(tmp, { recursive: true, force: true }));

test('each shard embeds the files its path hashes to; together they are the unsharded run, each file once', async () => {
  const outs = [0, 1, 2].map(shardOut);
  for (const [k, r] of shardRuns.entries()) {
    assert.equal(r.code, r.stderr.includes('skipped') ? 3 : 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^shard ${k}/${N} \\(--shard\\)$`, 'm'));
    const rows = (await readCsvFile(outs[k]!)).slice(1);
    const errors = await readCsvFile(errorsPathFor(outs[k]!)).then(
      (e) => e.slice(1),
      () => [],
    );
    for (const [path] of [...rows, ...errors]) assert.equal(shardOf(path!, N), k, `${path} is in shard ${k}'s share`);
    assert.ok(rows.length > COUNT / N / 2, `shard ${k} has its share (${rows.length} rows)`);
    assert.deepEqual(lastProgress(r.stderr), [rows.length + errors.length, rows.length + errors.length], 'the bar counts only the shard');
    const meta = await readMeta(outs[k]!);
    assert.deepEqual(meta.shard, { index: k, count: N, hash: 'fnv1a64-fmix64-utf8-path-mod-n' });
    assert.equal(
      meta.model.sha256,
      createHash('sha256')
        .update(await readFile(model))
        .digest('hex'),
    );
    assert.equal(meta.finished, true);
  }
  assertSameRows(
    await unionOf(outs),
    [...reference].sort((a, b) => comparePaths(a[0]!, b[0]!)),
    'union of the shards',
  );
  const errors = await unionOf(outs.map(errorsPathFor).filter((f) => existsSync(f)));
  assert.deepEqual(errors, referenceErrors, 'each bad file listed by one shard');
});

test('embed-check passes the complete run, and --merge writes the unsharded run in walk order', async () => {
  const merged = join(tmp, 'merged.csv');
  const report = join(tmp, 'report.csv');
  const r = await runCheck(['--input', input, '--outputs', join(tmp, 'shards', 'points-*.csv'), '--merge', merged, '--report', report]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^${COUNT + 4} files under .*, 3 outputs:`, 'm'));
  assert.match(r.stdout, new RegExp(`^ +${COUNT + 1} embedded once$`, 'm'));
  assert.match(r.stdout, /^ +3 listed as bad/m);
  assert.match(r.stdout, /^ok: every file is accounted for exactly once$/m);
  assertSameRows((await readCsvFile(merged)).slice(1), reference, 'merged');
  assert.deepEqual((await readCsvFile(errorsPathFor(merged))).slice(1), referenceErrors);
  assert.equal((await readMeta(merged)).shard, null);
  const [header, ...statuses] = await readCsvFile(report);
  assert.deepEqual(header, ['path', 'status', 'outputs']);
  assert.equal(statuses.length, COUNT + 4, 'one line per file');
  for (const [path, status, where] of statuses) {
    assert.equal(status, referenceErrors.some((e) => e[0] === path) ? 'bad' : 'embedded', path);
    assert.equal(where, `${shardOut(shardOf(path!, N))} (shard ${shardOf(path!, N)}/${N})`, path);
  }
});

test('--shard auto takes the shard from a Slurm array task or a Kubernetes Indexed Job, and prints which', async () => {
  const runs = [
    { env: { SLURM_ARRAY_TASK_ID: '11', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_COUNT: '3' }, args: [], k: 1, from: /from Slurm/ },
    { env: { JOB_COMPLETION_INDEX: '2' }, args: ['--shards', '3'], k: 2, from: /from Kubernetes: JOB_COMPLETION_INDEX 2 of --shards 3/ },
  ];
  for (const [i, { env, args, k, from }] of runs.entries()) {
    await mkdir(join(tmp, `auto-${i}`));
    const out = join(tmp, `auto-${i}`, 'points.csv');
    const r = await runEmbed(['--model', model, '--input', input, '--out', out, '--shard', 'auto', ...args], { ...NO_ENGINE, ...env });
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    assert.match(r.stderr.split('\n')[0]!, new RegExp(`^shard ${k}/3 `));
    assert.match(r.stderr, from);
    assert.deepEqual(await unionOf([out]), await unionOf([shardOut(k)]), `the same files as --shard ${k}/3`);
  }
});

test('a malformed --shard, or auto without a batch system, is refused in one line', async () => {
  const out = join(tmp, 'refused.csv');
  const base = ['--model', model, '--input', input, '--out', out];
  const cases: [string[], RegExp][] = [
    [['--shard', '3/3'], /'3\/3' is invalid\. K must be below N/],
    [['--shard', '1/0'], /'1\/0' is invalid\. N must be from 1/],
    [['--shard', 'half'], /'half' is invalid\. expected K\/N/],
    [['--shard', '1'], /'1' is invalid\. expected K\/N/],
    [['--shard', 'auto'], /--shard auto needs SLURM_ARRAY_TASK_ID/],
    [['--shard', '0/2', '--shards', '2'], /--shards N goes with --shard auto/],
  ];
  for (const [args, why] of cases) assertRefused(await runEmbed([...base, ...args], NO_ENGINE), why, args.join(' '));
  assertRefused(await runEmbed([...base, '--shard', 'auto'], { JOB_COMPLETION_INDEX: '1' }), /no --shards N/, 'k8s without --shards');
  assert.equal(await stat(out).catch(() => undefined), undefined, 'nothing written');
});

test("a shard with another model or --style than its siblings' outputs, or another shard on --resume, is refused", async () => {
  await mkdir(join(tmp, 'model2'));
  const model2 = await makeModel(join(tmp, 'model2'), { seed: 6 });
  const other = join(tmp, 'shards', 'other.csv');
  const base = ['--input', input, '--out', other, '--shard', `1/${N}`];
  assertRefused(
    await runEmbed(['--model', model2, ...base]),
    /points-0\.csv \(shard 0\/3 .*\) was embedded with another model .*same --model/,
  );
  assertRefused(await runEmbed(['--model', model, '--style', ...base]), /points-0\.csv .* was embedded with no --style/);
  assertRefused(await runEmbed(['--model', model, ...base]), /points-1\.csv .* already holds this shard; resume it there/);
  assert.equal(await stat(other).catch(() => undefined), undefined, 'nothing written');
  const before = await readFile(shardOut(1), 'utf8');
  const resume = ['--input', input, '--out', shardOut(1), '--resume'];
  assertRefused(
    await runEmbed(['--model', model, ...resume, '--shard', `2/${N}`]),
    /holds shard 1\/3, this run shard 2\/3; resume with --shard 1\/3/,
  );
  assertRefused(await runEmbed(['--model', model, ...resume]), /holds shard 1\/3, this run a whole folder/);
  assertRefused(await runEmbed(['--model', model2, ...resume, '--shard', `1/${N}`]), /was embedded with another model/);
  assert.equal(await readFile(shardOut(1), 'utf8'), before, 'the refused runs left the shard alone');
});

test('a run record embed did not write is never replaced', async () => {
  const out = join(tmp, 'foreign.csv');
  await writeFile(`${out}.meta.json`, '{"mine": true}\n');
  assertRefused(
    await runEmbed(['--model', model, '--input', input, '--out', out]),
    /foreign\.csv\.meta\.json already exists and is not a run record/,
  );
  assert.equal(await readFile(`${out}.meta.json`, 'utf8'), '{"mine": true}\n');
});

test('embed-check fails a run with a shard missing, a shard twice or a foreign row, naming the files', async () => {
  const shards = join(tmp, 'shards');
  const merged = join(tmp, 'not-merged.csv');
  const missing = await runCheck(['--input', input, '--outputs', shardOut(0), shardOut(2), '--merge', merged]);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stdout, /^problem: no output holds shard 1\/3$/m);
  assert.match(missing.stdout, /^missing: \S+\.png: shard 1\/3's share$/m);
  assert.match(missing.stdout, /^incomplete: rerun shard 1\/3 \(\d+ missing\) with --resume; .*not-merged\.csv not written$/m);
  assert.equal(await stat(merged).catch(() => undefined), undefined, 'no merge of an incomplete run');

  await copyFile(shardOut(1), join(shards, 'copy.csv'));
  await copyFile(`${shardOut(1)}.meta.json`, join(shards, 'copy.csv.meta.json'));
  const twice = await runCheck(['--input', input, '--outputs', join(shards, '*.csv')]);
  assert.equal(twice.code, 1);
  assert.match(twice.stdout, /^problem: shard 1\/3 is in two outputs: .*copy\.csv and .*points-1\.csv$/m);
  assert.match(twice.stdout, /^duplicated: \S+\.png: .*copy\.csv \(shard 1\/3\), .*points-1\.csv \(shard 1\/3\)$/m);
  await rm(join(shards, 'copy.csv'));
  await rm(join(shards, 'copy.csv.meta.json'));

  const text = await readFile(shardOut(2), 'utf8');
  const [header, ...rest] = text.split('\r\n');
  // '!' sorts before the digit folders, so the row is in walk order.
  await writeFile(shardOut(2), [header, '!/not-there.png,0,0,0,1', ...rest].join('\r\n'));
  const foreign = await runCheck(['--input', input, '--outputs', join(shards, 'points-*.csv')]);
  await writeFile(shardOut(2), text);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stdout, /^ +1 rows for files not under --input$/m);
  assert.match(foreign.stdout, /^not under --input: !\/not-there\.png: .*points-2\.csv \(shard 2\/3\)$/m);

  await writeFile(shardOut(2), [header, rest[1], rest[0], ...rest.slice(2)].join('\r\n'));
  const unordered = await runCheck(['--input', input, '--outputs', join(shards, 'points-*.csv')]);
  await writeFile(shardOut(2), text);
  assert.equal(unordered.code, 1);
  assert.match(unordered.stderr, /^error: .*points-2\.csv is not in walk order at row 2 .*it was edited\n$/);

  assertRefused(await runCheck(['--input', input, '--outputs', join(shards, 'nothing-*.csv')]), /matches no file/);
  assertRefused(await runCheck(['--input', input]), /required option '--outputs/);
});
