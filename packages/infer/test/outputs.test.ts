/**
 * points.csv on disk: RFC 4180 quoting round trip across read chunks, torn-tail detection at
 * every byte of the last records, and how --resume reopens the points and errors files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { csvRecord, parseCsv, pointsColumns, UserError } from '@aae-map/shared';
import { scanCsv } from '../src/csv-file.ts';
import { cellsFor, errorsPathFor, openOutputs, readEarlierRun } from '../src/outputs.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'infer-outputs-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

const PLAIN = cellsFor(false);
/** Opens `out` as embed --resume does. */
const resume = async (out: string, columns: string[]) => openOutputs(out, columns, PLAIN, await readEarlierRun(out, PLAIN));
const TRICKY = [
  'plain.png',
  'with space.png',
  'comma,name.png',
  'quote"d.png',
  '"starts.png',
  'line\nbreak.png',
  'cr\r\nlf.png',
  'ünï/数字 😀.png',
  '',
];

test('RFC 4180 round trip: every tricky field survives, across 1 MiB read chunks', async () => {
  const records: string[][] = [['path', 'reason']];
  for (let i = 0; records.length < 150_000; i++) records.push([`${i}/${TRICKY[i % TRICKY.length]}`, TRICKY[(i * 7) % TRICKY.length]!]);
  const file = join(tmp, 'round-trip.csv');
  await writeFile(file, records.map(csvRecord).join(''));
  assert.ok((await stat(file)).size > 2 << 20, 'file spans several read chunks');
  const rows: string[][] = [];
  const scan = await scanCsv(file, (r) => rows.push(r));
  assert.deepEqual(scan.header, records[0]);
  assert.equal(scan.rows, records.length - 1);
  assert.deepEqual(rows, records.slice(1));
  assert.equal(scan.validBytes, scan.totalBytes);
  assert.equal(csvRecord(['a,b', 'say "hi"', 'x']), '"a,b","say ""hi""",x\r\n');
  assert.deepEqual(parseCsv('"a,b","say ""hi""",x\r\n'), [['a,b', 'say "hi"', 'x']]);
});

test('a file cut at any byte: only complete records count, and validBytes ends the last one', async () => {
  const records = [pointsColumns(0), ...TRICKY.map((p, i) => [p, `${i}.5`, '-1e-7', String(i), '0.25'])];
  const texts = records.map(csvRecord);
  const full = Buffer.from(texts.join(''));
  const ends: number[] = [];
  let at = 0;
  for (const t of texts) {
    at += Buffer.byteLength(t);
    ends.push(at);
  }
  const file = join(tmp, 'cut.csv');
  for (let cut = 0; cut <= full.length; cut++) {
    await writeFile(file, full.subarray(0, cut));
    const scan = await scanCsv(file);
    const complete = ends.filter((e) => e <= cut).length;
    assert.equal(scan.validBytes, complete > 0 ? ends[complete - 1] : 0, `cut at ${cut}`);
    assert.equal(scan.rows, Math.max(0, complete - 1), `cut at ${cut}`);
  }
});

test('resume: cuts the torn row, continues after the last complete row, drops later errors', async () => {
  const out = join(tmp, 'points.csv');
  const cols = pointsColumns(0);
  const rows = [
    ['a/1.png', '1', '2', '3', '0.5'],
    ['b/2.png', '1', '2', '3', '0.5'],
  ];
  await writeFile(out, `${[cols, ...rows].map(csvRecord).join('')}"c/3.png",1.2`);
  const errors = errorsPathFor(out);
  assert.equal(errors, `${out}.errors.csv`);
  await writeFile(
    errors,
    [
      ['path', 'reason'],
      ['a/0.png', 'empty file'],
      ['b/9.png', 'empty file'],
      ['a/bad', 'cannot read directory (EACCES)'],
    ]
      .map(csvRecord)
      .join(''),
  );
  const o = await resume(out, cols);
  assert.equal(o.resumeAfter, 'b/2.png');
  assert.equal(o.previousRows, 2);
  assert.equal(o.errors.count, 2);
  o.points.write(csvRecord(['c/3.png', '4', '5', '6', '0.75']));
  o.points.close();
  o.errors.close();
  assert.deepEqual(parseCsv(await readFile(out, 'utf8')), [cols, ...rows, ['c/3.png', '4', '5', '6', '0.75']]);
  assert.deepEqual(parseCsv(await readFile(errors, 'utf8')), [
    ['path', 'reason'],
    ['a/0.png', 'empty file'],
    ['a/bad', 'cannot read directory (EACCES)'],
  ]);
});

test('resume refuses a file with other columns, and a fresh run replaces both files', async () => {
  const out = join(tmp, 'other.csv');
  await writeFile(out, csvRecord(pointsColumns(0)) + csvRecord(['a.png', '1', '2', '3', '0.5']));
  await assert.rejects(resume(out, pointsColumns(2)), (e: Error) => e instanceof UserError && /--style/.test(e.message));
  await writeFile(out, csvRecord(pointsColumns(0)) + csvRecord(['a.png', '1']));
  await assert.rejects(resume(out, pointsColumns(0)), (e: Error) => e instanceof UserError && /2 columns, expected 5/.test(e.message));
  await writeFile(errorsPathFor(out), 'path,reason\r\nx.png,empty file\r\n');
  const o = await openOutputs(out, pointsColumns(0), PLAIN);
  o.points.close();
  o.errors.close();
  assert.equal(await readFile(out, 'utf8'), 'path,x,y,cluster,confidence\r\n');
  await assert.rejects(stat(errorsPathFor(out)), 'a fresh run removes the old errors file');
});
