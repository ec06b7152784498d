import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = await mkdtemp(join(tmpdir(), 'aae-train-cli-'));
after(() => rm(root, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/train/src/cli.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('--help shows defaults and an example, and exits 0', () => {
  const r = cli('--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--labels <n>.*\(default: 1000\)/s);
  assert.match(r.stdout, /Examples:\n\s+pnpm train/);
});

// One per core, and at most half of the default batch of 100.
const maxReplicas = Math.min(availableParallelism(), 50);
const corrupt = join(root, 'corrupt-images-idx3-ubyte');
await writeFile(corrupt, 'this is not an IDX file');

for (const [what, args, pattern] of [
  ['an unknown flag', ['--bogus'], /unknown option '--bogus'/],
  ['a non-numeric epoch count', ['--epochs', 'abc'], /--epochs.*whole number/],
  ['a style dim that is neither n nor 2', ['--style-dim', '5'], /--style-dim must be 10 .* or 2/],
  ['a missing data file', ['--data', join(root, 'missing-images-idx3-ubyte')], /cannot read .*missing-images-idx3-ubyte/],
  ['a corrupt data file', ['--data', corrupt], /not an IDX file/],
  ['a test file without --data', ['--test-data', corrupt], /need --data/],
  ['an unknown backend', ['--backend', 'tpu'], /argument 'tpu' is invalid/],
  ['--channels other than 1 or 3', ['--channels', '2'], /--channels.*expected 1 \(gray\) or 3 \(RGB\)/],
  [
    '--channels with an IDX file',
    ['--data', corrupt, '--channels', '3'],
    /--channels does not apply: --data .* is an IDX image file \(IDX files hold gray images\)/,
  ],
  ['resuming a run that does not exist', ['--resume', '--out', join(root, 'none')], /does not exist/],
  ['zero replicas', ['--replicas', '0'], /--replicas must be a whole number from 1 to \d+ .*got 0$/],
  [
    'more replicas than cores',
    ['--replicas', String(maxReplicas + 1)],
    new RegExp(`--replicas must be a whole number from 1 to ${maxReplicas} .*got ${maxReplicas + 1}$`),
  ],
  [
    'more replicas than half the batch',
    ['--replicas', '2', '--batch', '3'],
    /--replicas must be a whole number from 1 to 1 .*batch of 3.*got 2$/,
  ],
] as const) {
  test(`${what} is one line on stderr and exit code 2`, () => {
    const r = cli(...args);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^error: /);
    assert.match(lines[0]!, pattern);
  });
}
