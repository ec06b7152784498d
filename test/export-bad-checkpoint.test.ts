/**
 * Bad checkpoints: each gets a one-line UserError naming the problem, and no output is written
 * (an existing .onnx stays as it was, and no temp file is left). The CLI, run as the real
 * bin script, turns the same errors into exit code 2 and one line on stderr.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exportModel } from '@aae-map/export';
import { readModelInfo, UserError } from '@aae-map/shared';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const BIN = fileURLToPath(new URL('../packages/export/bin/export.js', import.meta.url));
const run = promisify(execFile);

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-bad-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

type Breaker = (dir: string) => Promise<void>;
/** The fields the cases break, typed loosely: each writes a value the real manifest type forbids. */
interface LooseManifest {
  version: unknown;
  weights: Array<{ name: string; offset: unknown; shape: unknown }>;
  projection: unknown[][];
  architecture: { normalization?: unknown };
}
const editManifest =
  (edit: (m: LooseManifest) => void): Breaker =>
  async (dir) => {
    const file = join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    edit(m);
    await writeFile(file, JSON.stringify(m));
  };

/** [case, how to break a good checkpoint, what the message must say] */
const CASES: Array<[string, Breaker, RegExp]> = [
  ['missing directory', (dir) => rm(dir, { recursive: true }), /does not exist/],
  ['missing manifest', (dir) => rm(join(dir, 'manifest.json')), /manifest\.json is missing/],
  ['corrupt JSON', (dir) => writeFile(join(dir, 'manifest.json'), '{"format": "aae-map-checkpoint", "vers'), /not valid JSON/],
  ['JSON that is not an object', (dir) => writeFile(join(dir, 'manifest.json'), 'null'), /not hold a JSON object/],
  ['missing weights.bin', (dir) => rm(join(dir, 'weights.bin')), /weights\.bin is missing/],
  ['truncated weights.bin', (dir) => truncate(join(dir, 'weights.bin'), 1000), /truncated/],
  [
    'negative offset',
    editManifest((m) => (m.weights[1]!.offset = -4)),
    /tensor encoder\/dense0\/bias: offset -4 is negative; the checkpoint is corrupt/,
  ],
  [
    'fractional offset',
    editManifest((m) => (m.weights[1]!.offset = 2.5)),
    /tensor encoder\/dense0\/bias: offset 2\.5 is not a whole number/,
  ],
  [
    'offset that is not a number',
    editManifest((m) => (m.weights[1]!.offset = '12')),
    /tensor encoder\/dense0\/bias: offset "12" is not a number/,
  ],
  [
    'shape mismatch',
    editManifest((m) => (m.weights[0]!.shape = [784, 63])),
    /encoder\/dense0\/kernel has shape \[784,63\] but the architecture implies \[784,64\]/,
  ],
  ['missing tensor', editManifest((m) => (m.weights = m.weights.filter((w) => w.name !== 'heads'))), /lists no tensor heads/],
  ['projection of the wrong size', editManifest((m) => m.projection.pop()), /projection must be 10 x 2/],
  ['projection with a null', editManifest((m) => (m.projection[3]![1] = null)), /projection holds a value that is not a finite number/],
  ['another format version', editManifest((m) => (m.version = 99)), /format version 99/],
  ['no normalization', editManifest((m) => delete m.architecture.normalization), /normalization/],
];

async function goodRun(name: string): Promise<string> {
  const dir = join(tmp, 'runs', name);
  await writeRandomCheckpoint(dir, { hidden: [64, 32] });
  return dir;
}

for (const [name, breakIt, message] of CASES) {
  test(`bad checkpoint, ${name}: one-line UserError, output untouched`, async () => {
    const dir = await goodRun(name.replace(/\W+/g, '-'));
    await breakIt(dir);
    const outDir = join(tmp, `out-${name.replace(/\W+/g, '-')}`);
    await mkdir(outDir);
    const fresh = join(outDir, 'fresh.onnx');
    const existing = join(outDir, 'existing.onnx');
    await writeFile(existing, 'previous model');

    for (const out of [fresh, existing]) {
      await assert.rejects(exportModel(dir, out), (err: Error) => {
        assert.ok(err instanceof UserError, `expected a UserError, got ${err.stack}`);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'), 'the message is one line');
        return true;
      });
    }
    assert.ok(!existsSync(fresh), 'no output file is written');
    assert.equal(await readFile(existing, 'utf8'), 'previous model');
    assert.deepEqual(await readdir(outDir), ['existing.onnx'], 'no temp file is left');
  });
}

test('CLI: bad checkpoints exit with code 2 and one line on stderr, writing nothing', async () => {
  const dir = await goodRun('cli-truncated');
  await truncate(join(dir, 'weights.bin'), 10);
  for (const args of [
    ['m.onnx', '--run', dir],
    ['m.onnx', '--run', join(tmp, 'nowhere')],
    ['m.onnx', '--no-such-flag'],
  ]) {
    const err = await run(process.execPath, [BIN, ...args], { cwd: tmp }).then(
      () => assert.fail(`${args.join(' ')} succeeded`),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(err.code, 2, `${args.join(' ')}: exit code`);
    assert.equal(err.stderr.trim().split('\n').length, 1, `${args.join(' ')}: stderr is one line: ${err.stderr}`);
    assert.match(err.stderr, /^error: /);
    assert.ok(!existsSync(join(tmp, 'm.onnx')));
  }
});

test('CLI: without --run it exports the run under ./runs whose manifest is newest', async () => {
  const cwd = join(tmp, 'cli-default');
  const older = join(cwd, 'runs', 'older');
  const newer = join(cwd, 'runs', 'newer');
  await writeRandomCheckpoint(newer, { clusters: 4, hidden: [8] });
  await writeRandomCheckpoint(older, { clusters: 6, hidden: [8] });
  await utimes(join(older, 'manifest.json'), 1_000_000, 1_000_000);
  const { stdout } = await run(process.execPath, [BIN, 'out/model.onnx'], { cwd });
  assert.match(stdout, /^wrote out\/model\.onnx .*runs\/newer/);
  const info = readModelInfo(await readFile(join(cwd, 'out/model.onnx')), 'model.onnx');
  assert.equal(info.clusters, 4);
});

test('CLI: --quantize takes int8 only, and says what it wrote', async () => {
  const dir = await goodRun('cli-quantize');
  const bad = await run(process.execPath, [BIN, 'q.onnx', '--run', dir, '--quantize', 'int4'], { cwd: tmp }).then(
    () => assert.fail('--quantize int4 succeeded'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: .*int4.*int8/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.ok(!existsSync(join(tmp, 'q.onnx')));
  const { stdout } = await run(process.execPath, [BIN, 'q.onnx', '--run', dir, '--quantize', 'int8'], { cwd: tmp });
  assert.match(stdout, /, int8 weights, opset 17$/m);
  assert.equal(readModelInfo(await readFile(join(tmp, 'q.onnx')), 'q.onnx').clusters, 10);
});
