/**
 * `--resume` after a SIGKILL: the resumed points.csv must list exactly the files an
 * uninterrupted run lists, in the same order, once each (no duplicates, no gaps), with the same
 * values (batches differ: atol 1e-4 on x, y, 1e-5 on confidence), and the errors file must
 * list each bad file once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { embedFolder, errorsPathFor } from '@aae-map/infer';
import { assertClose } from '@aae-map/shared/test-utils';
import { assertRefused, EMBED_BIN, makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';

const COUNT = 4000;
let tmp: string;
let model: string;
let input: string;
let reference: string[][];
let referenceErrors: string[][];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-resume-'));
  model = await makeModel(tmp);
  input = join(tmp, 'images');
  await mnistFolder(input, COUNT);
  for (const bad of ['0/bad-early.png', '5/bad-middle.png', '9/zz-bad-late.png']) await writeFile(join(input, bad), '');
  const out = join(tmp, 'reference.csv');
  const log = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  await embedFolder({ model, input, out, batch: 256, device: 'cpu', log });
  reference = await readCsvFile(out);
  referenceErrors = await readCsvFile(errorsPathFor(out));
  assert.equal(reference.length, COUNT + 1);
  assert.equal(referenceErrors.length, 4);
});
after(() => rm(tmp, { recursive: true, force: true }));

/** Starts embed and SIGKILLs it once points.csv has grown past `bytes`. */
async function killMidRun(out: string, bytes: number): Promise<void> {
  const child = spawn(process.execPath, [EMBED_BIN, '--model', model, '--input', input, '--out', out, '--batch', '4'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && ((await stat(out).catch(() => undefined))?.size ?? 0) < bytes) await sleep(5);
  child.kill('SIGKILL');
  assert.equal(await exited, null, 'killed before it finished');
}

function checkSameAsReference(rows: string[][]): void {
  assert.deepEqual(
    rows.map((r) => r[0]),
    reference.map((r) => r[0]),
    'same files, same order: no duplicates, no gaps',
  );
  for (const k of [1, 2, 4]) {
    const atol = k === 4 ? 1e-5 : 1e-4;
    assertClose(
      rows.slice(1).map((r) => Number(r[k])),
      reference.slice(1).map((r) => Number(r[k])),
      { atol },
      `column ${reference[0]![k]}`,
    );
  }
}

test('killed with SIGKILL, then resumed: every image exactly once', async () => {
  const out = join(tmp, 'killed.csv');
  await killMidRun(out, 20_000);
  const partial = (await readCsvFile(out)).length - 1;
  assert.ok(partial > 0 && partial < COUNT, `interrupted part way (${partial} rows)`);
  const r = await runEmbed(['--model', model, '--input', input, '--out', out, '--resume']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /rows kept from the earlier run/);
  checkSameAsReference(await readCsvFile(out));
  assert.deepEqual(await readCsvFile(errorsPathFor(out)), referenceErrors);
});

test('a torn last line (a write cut short) is dropped and its image embedded again', async () => {
  const out = join(tmp, 'torn.csv');
  const text = reference
    .slice(0, 1001)
    .map((r) => `${r.join(',')}\r\n`)
    .join('');
  await writeFile(out, text);
  await appendFile(out, `${reference[1001]![0]},0.12`);
  await writeFile(errorsPathFor(out), 'path,reason\r\n0/bad-early.png,empty file\r\n9/zz-bad-late.png,empty file\r\n');
  const r = await runEmbed(['--model', model, '--input', input, '--out', out, '--resume']);
  assert.equal(r.code, 3, r.stderr);
  checkSameAsReference(await readCsvFile(out));
  assert.deepEqual(await readCsvFile(errorsPathFor(out)), referenceErrors);
  assert.ok((await readFile(out, 'utf8')).endsWith('\r\n'));
});

test('resuming with another --input is refused in one line, before the model opens or anything is written', async () => {
  const out = join(tmp, 'killed.csv');
  const before = await readFile(out, 'utf8');
  const r = await runEmbed(['--model', model, '--input', join(input, '3'), '--out', out, '--resume']);
  assertRefused(r, /killed\.csv ends with '9\/\d+\.png', which is not under .*; resume with the --input of that run/);
  assert.equal(await readFile(out, 'utf8'), before);
});
