/**
 * Output paths embed cannot write, and thread counts it cannot start, get one line and exit
 * code 2 (no stack trace), before any work: the model here does not even exist, so a check
 * that ran after opening it would say so instead. What only shows mid-run (a full disk) gets
 * the same from runCli, with the stack under DEBUG=1. The read-only and full file systems are
 * real tmpfs mounts, which need root (as the tests run here): a root process ignores chmod.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertRefused, makeModel, mnistFolder, runEmbed, runNode } from './embed-helpers.ts';

let tmp: string;
let model: string;
let input: string;
const mounts: string[] = [];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-output-errors-'));
  model = await makeModel(tmp);
  input = join(tmp, 'images');
  await mnistFolder(input, 300);
});
after(async () => {
  for (const m of mounts) execFileSync('umount', [m]);
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh tmpfs at `tmp/name`, mounted with `options` ('ro', 'size=8k'). */
async function tmpfs(name: string, options: string): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

const missingModel = () => join(tmp, 'not-a-model.onnx');

test('an --out or --plot that cannot be written is refused before the model is opened', async () => {
  const file = join(tmp, 'plain-file.txt');
  await writeFile(file, 'not a folder');
  const out = join(tmp, 'points.csv');
  const cases: [string[], RegExp][] = [
    [
      ['--out', join(tmp, 'no-such-folder', 'points.csv')],
      /folder .*no-such-folder of --out .* does not exist; create it first or choose another --out$/,
    ],
    [['--out', tmp], /--out .* is a folder; give a file name, such as .*points\.csv$/],
    [
      ['--out', join(file, 'points.csv')],
      /^error: cannot write --out .*plain-file\.txt\/points\.csv: a part of the path is not a folder \(ENOTDIR\); check the path$/,
    ],
    [['--out', out, '--plot', tmp], /--plot .* is a folder; give a file name, such as .*map\.png$/],
    [['--out', out, '--plot', join(tmp, 'no-such-folder', 'map.png')], /folder .*no-such-folder of --plot .* does not exist/],
    // sysfs refuses new files even to root.
    [
      ['--out', '/sys/points.csv'],
      /^error: cannot write --out \/sys\/points\.csv: permission denied \(EACCES\); check its permissions or choose another path$/,
    ],
  ];
  for (const [args, message] of cases) {
    assertRefused(await runEmbed(['--model', missingModel(), '--input', input, ...args]), message, args.join(' '));
  }
  await assert.rejects(stat(out), 'refused before --out was written');
});

test('a read-only file system: --out and --plot are checked before any work', async () => {
  const ro = await tmpfs('read-only', 'ro');
  const out = join(tmp, 'before-plot.csv');
  const cases: [string[], RegExp][] = [
    [
      ['--out', join(ro, 'points.csv')],
      /^error: cannot write --out .*read-only\/points\.csv: read-only file system \(EROFS\); choose a path on a writable file system$/,
    ],
    [['--out', out, '--plot', join(ro, 'map.png')], /^error: cannot write --plot .*read-only\/map\.png: read-only file system \(EROFS\)/],
  ];
  for (const [args, message] of cases) {
    assertRefused(await runEmbed(['--model', missingModel(), '--input', input, ...args]), message, args.join(' '));
  }
  await assert.rejects(stat(out), 'a --plot that cannot be written stops the run before the CSV');
});

test('a disk that fills up mid-run: one line naming the file, exit code 2; DEBUG=1 adds the stack', async () => {
  const full = await tmpfs('full', 'size=8k');
  const args = ['--model', model, '--input', input, '--out', join(full, 'points.csv'), '--style', '--batch', '16'];
  const r = await runEmbed(args);
  assert.equal(r.code, 2, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error'));
  assert.deepEqual(errors.length, 1, r.stderr);
  assert.match(
    errors[0]!,
    /^error: cannot write .*full\/points\.csv: no space left on the device \(ENOSPC\); free some space or choose another disk$/,
  );
  assert.doesNotMatch(r.stderr, /^ {4}at /m);
  const debug = await runEmbed(args, { DEBUG: '1' });
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /^error: cannot write .*ENOSPC/m);
  assert.match(debug.stderr, /^ {4}at CsvAppender\.write /m, 'DEBUG=1 keeps the stack');
});

test('thread and batch counts beyond the cap get one line', async () => {
  const out = join(tmp, 'threads.csv');
  const cases: [string, RegExp][] = [
    ['--threads', /--threads must be a whole number \(0 = let onnxruntime choose\), at most \d+ \(4 per core here\), got 1000000000$/],
    ['--workers', /--workers must be a positive integer, at most \d+ \(4 per core here\), got 1000000000$/],
    ['--batch', /--batch must be an integer from 1 to 65536, got 1000000000$/],
  ];
  for (const [flag, message] of cases)
    assertRefused(await runEmbed(['--model', model, '--input', input, '--out', out, flag, '1000000000']), message, flag);
  await assert.rejects(stat(out));
});

test('runCli turns a file system error in any CLI into one line: sample-images into /sys', async () => {
  const cli = fileURLToPath(new URL('../packages/infer/src/sample-images-cli.ts', import.meta.url));
  const r = await runNode(['--import', 'tsx', cli, '--out', '/sys/digits', '--count', '5']);
  assertRefused(
    r,
    /^error: cannot mkdir \/sys\/digits: (operation not permitted \(EPERM\)|permission denied \(EACCES\)); check its permissions or choose another path$/,
  );
  assert.deepEqual(
    (await readdir('/sys')).filter((n) => n === 'digits'),
    [],
  );
});
