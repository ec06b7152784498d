/**
 * Inputs beyond one folder: --input-list (a file, and standard input) with paths relative to the
 * list's folder or absolute, kept in the path column as given; tar shards (built here with
 * /usr/bin/tar from real MNIST PNGs) read without unpacking, members named shard.tar/member, a
 * corrupt member and a truncated archive listed as bad files; and a list of shards and images
 * killed with SIGKILL and resumed from standard input into Parquet. Every embedded row must carry
 * the values the folder run gives the same image.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorsPathFor } from '@aae-map/infer';
import { assertRefused, makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';
import { assertSameRows, killWhen, readParquetTable, runEmbedWithStdin } from './parquet-helpers.ts';

let tmp: string;
let model: string;
let images: string;
let files: string[];
/** Rows of the folder run, by path relative to the folder. */
let byFile: Map<string, string[]>;
let header: string[];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-inputs-'));
  model = await makeModel(tmp);
  images = join(tmp, 'images');
  files = await mnistFolder(images, 400);
  const out = join(tmp, 'folder.csv');
  assert.equal((await runEmbed(['--model', model, '--input', images, '--out', out])).code, 0);
  const [h, ...rows] = await readCsvFile(out);
  header = h!;
  byFile = new Map(rows.map((r) => [r[0]!, r]));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** What the folder run gives each of `paths` (as written), named as the output names it. */
const expected = (paths: [written: string, file: string][]) => [header, ...paths.map(([p, f]) => [p, ...byFile.get(f)!.slice(1)])];

const run = (...args: string[]) => runEmbed(['--model', model, ...args]);

test('--input-list FILE: relative lines (to the list folder) and absolute ones, in list order, each path as given', async () => {
  const lists = join(tmp, 'lists');
  await mkdir(lists);
  const picked = [files[7]!, files[3]!, files[250]!];
  const lines = [`../images/${picked[0]}`, join(images, picked[1]!), '', 'gone.png', `../images/${picked[2]}\r`, 'notes.txt'];
  await writeFile(join(lists, 'list.txt'), `${lines.join('\n')}\n`);
  const out = join(tmp, 'list.csv');
  const r = await run('--input-list', join(lists, 'list.txt'), '--out', out);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /embedded 3 files.*skipped 1.*ignored 1/);
  const written: [string, string][] = [
    [lines[0]!, picked[0]!],
    [lines[1]!, picked[1]!],
    [`../images/${picked[2]}`, picked[2]!],
  ];
  assertSameRows(await readCsvFile(out), expected(written), 'list');
  assert.deepEqual(await readCsvFile(errorsPathFor(out)), [
    ['path', 'reason'],
    ['gone.png', 'cannot read (ENOENT)'],
  ]);
});

test('--input-list -: the paths come from standard input', async () => {
  const picked = files.slice(100, 140);
  const out = join(tmp, 'stdin.csv');
  const r = await runEmbedWithStdin(['--model', model, '--input-list', '-', '--out', out], picked.map((f) => join(images, f)).join('\n'));
  assert.equal(r.code, 0, r.stderr);
  assertSameRows(await readCsvFile(out), expected(picked.map((f) => [join(images, f), f])), 'stdin');
});

/** shards/a.tar: the first 150 files, a corrupt PNG and a JSON sidecar; shards/b.tar: the next 50, cut short. */
async function makeShards(): Promise<string> {
  const shards = join(tmp, 'shards');
  await mkdir(shards);
  const extra = join(tmp, 'extra');
  await mkdir(extra);
  await writeFile(join(extra, 'bad.png'), Buffer.concat([(await readFile(join(images, files[0]!))).subarray(0, 40), Buffer.alloc(200, 7)]));
  await writeFile(join(extra, 'meta.json'), '{}');
  execFileSync('tar', ['-cf', join(shards, 'a.tar'), '-C', images, ...files.slice(0, 150), '-C', extra, 'bad.png', 'meta.json']);
  execFileSync('tar', ['-cf', join(shards, 'b.tar'), '-C', images, ...files.slice(150, 200)]);
  await truncate(join(shards, 'b.tar'), dataOffset(await readFile(join(shards, 'b.tar')), 30) + 100);
  return shards;
}

/** Where member `k`'s data starts in a tar (ustar headers: 512 bytes, the size in octal at 124). */
function dataOffset(tar: Buffer, k: number): number {
  let at = 0;
  for (let i = 0; i < k; i++) at += 512 + Math.ceil(Number.parseInt(tar.toString('latin1', at + 124, at + 136), 8) / 512) * 512;
  return at + 512;
}

test('tar shards: members embedded without unpacking, named shard.tar/member; a corrupt member and a cut archive listed', async () => {
  const shards = await makeShards();
  const out = join(tmp, 'tars.csv');
  const r = await run('--input', shards, '--out', out);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual((await readdir(shards)).sort(), ['a.tar', 'b.tar'], 'nothing unpacked');
  const rows = await readCsvFile(out);
  const bInTar = rows.filter((row) => row[0]!.startsWith('b.tar/')).length;
  assert.ok(bInTar > 0 && bInTar < 50, `b.tar read up to its cut: ${bInTar} members`);
  const written: [string, string][] = [
    ...files.slice(0, 150).map((f): [string, string] => [`a.tar/${f}`, f]),
    ...files.slice(150, 150 + bInTar).map((f): [string, string] => [`b.tar/${f}`, f]),
  ];
  assertSameRows(rows, expected(written), 'tars');
  // A batch lists the entries its reader refused before the files that failed to decode.
  const errors = new Map((await readCsvFile(errorsPathFor(out))).slice(1).map(([path, reason]) => [path!, reason!]));
  assert.deepEqual([...errors.keys()].sort(), ['a.tar/bad.png', `b.tar/${files[150 + bInTar]}`]);
  assert.match(errors.get('a.tar/bad.png')!, /corrupt/);
  assert.equal(errors.get(`b.tar/${files[150 + bInTar]}`), 'tar member cut short (Unexpected end of data)');
  const one = join(tmp, 'one-tar.csv');
  assert.equal((await run('--input', join(shards, 'a.tar'), '--out', one)).code, 3);
  assertSameRows(await readCsvFile(one), expected(written.slice(0, 150)), '--input a.tar');
});

test('--input-list from standard input with a shard in it: SIGKILL, then --resume into Parquet, each entry once', async () => {
  const shards = join(tmp, 'shards');
  const lines = [
    ...files.slice(200, 260).map((f) => join(images, f)),
    join(shards, 'a.tar'),
    ...files.slice(260, 400).map((f) => join(images, f)),
  ];
  const list = `${lines.join('\n')}\n`;
  const whole = join(tmp, 'whole.parquet');
  const args = (out: string) => ['--model', model, '--input-list', '-', '--out', out, '--batch', '4', '--row-group', '16'];
  assert.equal((await runEmbedWithStdin(args(whole), list)).code, 3);
  const out = join(tmp, 'resumed.parquet');
  await killWhen(args(out), async () => (await readdir(`${out}.parts`).catch(() => [])).length >= 8, list);
  const r = await runEmbedWithStdin([...args(out), '--resume'], list);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /rows kept from the earlier run/);
  assertSameRows(await readParquetTable(out), await readParquetTable(whole), 'resumed list');
  assert.deepEqual(await readCsvFile(errorsPathFor(out)), await readCsvFile(errorsPathFor(whole)));
  await copyFile(out, join(tmp, 'changed.parquet'));
  const other = [...lines.slice(0, -1), join(images, files[0]!)];
  const changed = await runEmbedWithStdin([...args(join(tmp, 'changed.parquet')), '--resume'], `${other.join('\n')}\n`);
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /^error: --input-list gives '.*' where the run being resumed ended at '.*'; resume with the same list/m);
});

test('CSV --resume inside a tar whose members are not in name order: SIGKILL, resume, each member and bad member once', async () => {
  const dir = join(tmp, 'unsorted');
  const stage = join(dir, 'stage');
  await mkdir(join(stage, '0'), { recursive: true });
  const members: string[] = [];
  for (const [i, f] of files.slice(0, 300).reverse().entries()) {
    await mkdir(join(stage, f, '..'), { recursive: true });
    await copyFile(join(images, f), join(stage, f));
    members.push(f);
    // Bad members late in the tar that sort before every image: a name order would keep them twice.
    if (i % 40 === 39) {
      await writeFile(join(stage, '0', `0-bad-${i}.png`), 'not a png');
      members.push(`0/0-bad-${i}.png`);
    }
  }
  const shard = join(dir, 'shard');
  await mkdir(shard);
  execFileSync('tar', ['-cf', join(shard, 'r.tar'), '-C', stage, ...members]);
  const reference = join(tmp, 'unsorted-reference.csv');
  assert.equal((await run('--input', shard, '--out', reference)).code, 3);
  const out = join(tmp, 'unsorted.csv');
  const args = ['--model', model, '--input', shard, '--out', out, '--batch', '4'];
  await killWhen(args, async () => ((await readFile(out).catch(() => Buffer.alloc(0))).length ?? 0) > 8000);
  const r = await run(...args.slice(2), '--resume');
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /rows kept from the earlier run/);
  assertSameRows(await readCsvFile(out), await readCsvFile(reference), 'resumed in a tar');
  const errors = (await readCsvFile(errorsPathFor(out))).map((e) => e[0]);
  assert.deepEqual(errors.sort(), (await readCsvFile(errorsPathFor(reference))).map((e) => e[0]).sort());
  assert.equal(errors.length, 8, 'seven bad members and the header');
});

test('input refusals: both inputs, neither, --resume of a list into CSV', async () => {
  const out = join(tmp, 'refused.csv');
  assertRefused(await run('--input', images, '--input-list', 'x', '--out', out), /give --input .* or --input-list .*, not both/);
  assertRefused(await run('--out', out), /give --input .* or --input-list/);
  await writeFile(join(tmp, 'l.txt'), `${join(images, files[0]!)}\n`);
  assertRefused(
    await run('--input-list', join(tmp, 'l.txt'), '--out', out, '--resume'),
    /--resume with --input-list needs a \.parquet --out/,
  );
  assertRefused(await run('--input-list', join(tmp, 'nope.txt'), '--out', out), /--input-list .*nope\.txt does not exist/);
});
