/**
 * File names that a spreadsheet would run as formulas (= + - @ tab CR first). By default
 * points.csv keeps every name exactly (RFC 4180); --safe-csv puts a ' in front of them (and of
 * a leading ', so that dropping one ' always gives the name back), in the errors file too, and
 * --resume reads such a file back, or refuses to continue a file in the other mode.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorsPathFor, readPoints } from '@aae-map/infer';
import { comparePaths, csvRecord } from '@aae-map/shared';
import { assertRefused, makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';

const FORMULAS = ['=HYPERLINK("x.test","go").png', '+1+1.png', '-2+3.png', '@SUM(A1).png', '\tTAB.png', '\rCR.png', '=folder/inner.png'];
const QUOTED = ["'quoted.png", "''two.png"];
const PLAIN = ['plain.png', 'a,comma.png', 'in-the-middle=.png'];
const GOOD = [...FORMULAS, ...QUOTED, ...PLAIN].sort(comparePaths);
const BAD = ['=bad.png', '-bad.png'];
let tmp: string;
let model: string;
let input: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-safe-csv-'));
  model = await makeModel(tmp);
  const digits = join(tmp, 'digits');
  const [png] = await mnistFolder(digits, 1);
  input = join(tmp, 'names');
  for (const name of GOOD) {
    await mkdir(dirname(join(input, name)), { recursive: true });
    await copyFile(join(digits, png!), join(input, name));
  }
  for (const name of BAD) await writeFile(join(input, name), '');
});
after(() => rm(tmp, { recursive: true, force: true }));

const embed = (out: string, ...args: string[]) => runEmbed(['--model', model, '--input', input, '--out', out, ...args]);

/** The first character of a cell that makes a spreadsheet read it as a formula. */
const FORMULA_LEAD = /^[=+\-@\t\r]/;

test('by default every name is written exactly as it is (RFC 4180), formula leads included', async () => {
  const out = join(tmp, 'plain.csv');
  const r = await embed(out);
  assert.equal(r.code, 3, r.stderr);
  const rows = (await readCsvFile(out)).slice(1);
  assert.deepEqual(
    rows.map((row) => row[0]),
    GOOD,
  );
  assert.deepEqual(
    (await readCsvFile(errorsPathFor(out)))
      .slice(1)
      .map((row) => row[0])
      .sort(),
    [...BAD].sort(),
  );
});

test("--safe-csv puts a ' before every formula lead and every leading ', in both files, and nowhere else", async () => {
  const plain = join(tmp, 'plain-ref.csv');
  const safe = join(tmp, 'safe.csv');
  assert.equal((await embed(plain)).code, 3);
  const r = await embed(safe, '--safe-csv');
  assert.equal(r.code, 3, r.stderr);
  const [header, ...rows] = await readCsvFile(safe);
  const expected = GOOD.map((name) => (FORMULAS.includes(name) || QUOTED.includes(name) ? `'${name}` : name));
  assert.deepEqual(
    rows.map((row) => row[0]),
    expected,
  );
  const errors = (await readCsvFile(errorsPathFor(safe))).slice(1);
  assert.deepEqual(errors.map((row) => row[0]).sort(), BAD.map((name) => `'${name}`).sort());
  for (const cell of [...rows.map((row) => row[0]!), ...errors.flat()]) assert.doesNotMatch(cell, FORMULA_LEAD, JSON.stringify(cell));
  const plainRows = (await readCsvFile(plain)).slice(1);
  assert.deepEqual(
    [header, ...rows.map((row) => row.slice(1))],
    [(await readCsvFile(plain))[0], ...plainRows.map((row) => row.slice(1))],
    'numbers (negative ones too) as without --safe-csv',
  );
  const readBack: string[] = [];
  await readPoints(safe, (row) => readBack.push(row.path), { safeCsv: true });
  assert.deepEqual(readBack, GOOD, "dropping one leading ' gives every name back");
});

test('--resume --safe-csv continues a --safe-csv file after a guarded last row', async () => {
  const full = join(tmp, 'safe-full.csv');
  assert.equal((await embed(full, '--safe-csv')).code, 3);
  const [header, ...rows] = await readCsvFile(full);
  const cut = rows.findIndex((row) => row[0] === "'+1+1.png") + 1;
  const out = join(tmp, 'safe-resumed.csv');
  await writeFile(out, `${[header!, ...rows.slice(0, cut)].map(csvRecord).join('')}'-2+3.png,0.5`);
  await copyFile(errorsPathFor(full), errorsPathFor(out));
  const r = await embed(out, '--resume', '--safe-csv');
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, new RegExp(`embedded ${GOOD.length - cut} files .* ${cut} rows kept from the earlier run`));
  assert.deepEqual(
    (await readCsvFile(out)).map((row) => row[0]),
    [header![0], ...rows.map((row) => row[0])],
  );
  assert.deepEqual(
    (await readCsvFile(errorsPathFor(out))).map((row) => row[0]).sort(),
    (await readCsvFile(errorsPathFor(full))).map((row) => row[0]).sort(),
  );
});

test('--resume refuses to continue a file in the other mode, and leaves it as it was', async () => {
  const plain = join(tmp, 'mixed-plain.csv');
  const safe = join(tmp, 'mixed-safe.csv');
  assert.equal((await embed(plain)).code, 3);
  assert.equal((await embed(safe, '--safe-csv')).code, 3);
  const cases: [string, string[], RegExp][] = [
    [plain, ['--safe-csv'], /mixed-plain\.csv was written without --safe-csv; resume without it too, or drop --resume to start over$/],
    [safe, [], /mixed-safe\.csv was written with --safe-csv; resume with it too, or drop --resume to start over$/],
  ];
  for (const [out, mode, message] of cases) {
    const before = [await readFile(out), await readFile(errorsPathFor(out))];
    assertRefused(await embed(out, '--resume', ...mode), message);
    assert.deepEqual([await readFile(out), await readFile(errorsPathFor(out))], before);
  }
});

test('--resume also tells the mode from the errors file when the rows do not', async () => {
  const folder = join(tmp, 'one-good-one-bad');
  await mkdir(folder);
  await copyFile(join(input, 'plain.png'), join(folder, 'plain.png'));
  await writeFile(join(folder, '=bad.png'), '');
  const out = join(tmp, 'errors-only.csv');
  assert.equal((await runEmbed(['--model', model, '--input', folder, '--out', out])).code, 3);
  const errors = await readFile(errorsPathFor(out));
  const r = await runEmbed(['--model', model, '--input', folder, '--out', out, '--resume', '--safe-csv']);
  assertRefused(r, /errors-only\.csv\.errors\.csv was written without --safe-csv/);
  assert.deepEqual(await readFile(errorsPathFor(out)), errors);
});
