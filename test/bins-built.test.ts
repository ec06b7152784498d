/**
 * Every bin runs from the build (scripts/build.mjs) without tsx: --help of each, and a real
 * export, embed and two-replica training run, which load the replica worker's own entry. The
 * launcher falls back to the sources when one is newer than the build.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain JavaScript, without types: it must run before anything is compiled
import { buildIsFresh } from '@aae-map/shared/launch';
import { mnistFolder, readCsvFile } from './embed-helpers.ts';
import { BINS } from './fixtures/bins.ts';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const isFresh = buildIsFresh as (pkgDir: string) => boolean;
let dir: string;

/** A bin run from the build only (AAE_FROM=dist), with tsx's loader nowhere in the process. */
function runBuilt(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'packages', bin), ...args], {
    encoding: 'utf8',
    env: { ...process.env, AAE_FROM: 'dist', NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, `${bin} ${args.join(' ')}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /tsx/);
  return r;
}

before(async () => {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  dir = await mkdtemp(join(tmpdir(), 'aae-bins-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('each bin prints its help from the build, with defaults and an example', () => {
  for (const bin of BINS) {
    const r = runBuilt(bin, ['--help']);
    assert.match(r.stdout, /^Usage: /, bin);
    assert.match(r.stdout, /Example/i, bin);
  }
  for (const pkg of ['train', 'export', 'infer', 'evaluate', 'web'])
    assert.ok(isFresh(join(ROOT, 'packages', pkg)), `${pkg}: build is fresh`);
});

test('export, sample-images and embed run from the build and write real outputs', async () => {
  await writeRandomCheckpoint(join(dir, 'run'), { seed: 3 });
  runBuilt('export/bin/export.js', [join(dir, 'model.onnx'), '--run', join(dir, 'run')]);
  await mnistFolder(join(dir, 'images'), 5);
  runBuilt('infer/bin/embed.js', ['--model', join(dir, 'model.onnx'), '--input', join(dir, 'images'), '--out', join(dir, 'points.csv')]);
  const rows = await readCsvFile(join(dir, 'points.csv'));
  assert.equal(rows.length, 6);
  assert.ok(rows.slice(1).every((r) => Number.isFinite(Number(r[1])) && Number.isFinite(Number(r[2]))));
});

test('train runs two replicas from the build (the replica worker is an entry of its own)', async () => {
  const runDir = join(dir, 'train-run');
  const args = [
    '--run-dir',
    runDir,
    '--epochs',
    '1',
    '--train-limit',
    '400',
    '--test-limit',
    '100',
    '--hidden',
    '16,16',
    '--labels',
    '100',
    '--backend',
    'wasm',
    '--replicas',
    '2',
    '--no-progress',
  ];
  const r = runBuilt('train/bin/train.js', args);
  assert.match(r.stdout, /1 epochs on wasm/);
  const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as { epochs: number };
  assert.equal(manifest.epochs, 1);
});

test('a source newer than the build sends the launcher back to the sources', async () => {
  const source = join(ROOT, 'packages', 'shared', 'src', 'index.ts');
  const { atime, mtime } = await stat(source);
  try {
    await utimes(source, atime, new Date(Date.now() + 60_000));
    assert.equal(isFresh(join(ROOT, 'packages', 'export')), false, 'a newer source in a package it uses');
  } finally {
    await utimes(source, atime, mtime);
  }
  assert.equal(isFresh(join(ROOT, 'packages', 'export')), true);
});
