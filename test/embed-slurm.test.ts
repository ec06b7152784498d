/**
 * `embed --shard auto` under a real Slurm (test/fixtures/slurm.ts: slurmctld, slurmd and munged
 * on localhost, installed with apt-get when missing): docs/examples/embed.sbatch, as a user
 * would copy it, submitted with `sbatch --array=0-3 --wait` on 20,000 hard-linked MNIST digits
 * and one bad file. One task is cancelled mid-run and submitted again, and resumes; the union
 * of the four outputs is then the unsharded run row for row, and embed-check passes it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { embedFolder, errorsPathFor, scanCsv } from '@aae-map/infer';
import { comparePaths, shardOf } from '@aae-map/shared';
import { makeModel, mnistFolder, readCsvFile } from './embed-helpers.ts';
import { type Slurm, startSlurm } from './fixtures/slurm.ts';
import { assertSameRows, embedOnPath, readMeta, runCheck, unionOf } from './shard-helpers.ts';

const SCRIPT = fileURLToPath(new URL('../docs/examples/embed.sbatch', import.meta.url));
const FOLDERS = 10;
const PER_FOLDER = 2000;
const N = 4;
let tmp: string;
let slurm: Slurm | undefined;
let model: string;
let input: string;
let bin: string;
let reference: string[][];
let referenceErrors: string[][];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-slurm-'));
  const started = startSlurm();
  model = await makeModel(tmp);
  const digits = await mnistFolder(join(tmp, 'digits'), 100);
  input = join(tmp, 'images');
  for (let f = 0; f < FOLDERS; f++) {
    await mkdir(join(input, String(f)), { recursive: true });
    for (let i = 0; i < PER_FOLDER; i++)
      await link(join(tmp, 'digits', digits[(f * PER_FOLDER + i) % 100]!), join(input, `${f}`, `${i}.png`));
  }
  await writeFile(join(input, '5', 'zz-empty.png'), '');
  const out = join(tmp, 'reference.csv');
  const log = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  await embedFolder({ model, input, out, device: 'cpu', log });
  reference = (await readCsvFile(out)).slice(1);
  referenceErrors = (await readCsvFile(errorsPathFor(out))).slice(1);
  assert.equal(reference.length, FOLDERS * PER_FOLDER);
  bin = await embedOnPath(tmp); // as the script expects embed on every node
  slurm = await started;
});
after(async () => {
  await slurm?.stop();
  await rm(tmp, { recursive: true, force: true });
});

/** `sbatch --wait` of the script with `args`; `submitted` resolves to the job id once sbatch prints it. */
function submit(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn('sbatch', ['--wait', '--cpus-per-task=1', `--output=${tmp}/logs/%A_%a.log`, ...args, SCRIPT], { env });
  let stdout = '';
  let stderr = '';
  const submitted = new Promise<string>((resolve) =>
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /Submitted batch job (\d+)/.exec(stdout);
      if (m) resolve(m[1]!);
    }),
  );
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { submitted, exited };
}

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );
const logOf = async (job: string, task: number) => readFile(join(tmp, 'logs', `${job}_${task}.log`), 'utf8');

test('sbatch --array=0-3 --wait with embed --shard auto; a task cancelled mid-run resumes; embed-check passes', async (t) => {
  const out = join(tmp, 'out');
  await mkdir(join(tmp, 'logs'));
  const env = {
    ...slurm!.env,
    PATH: `${bin}:${process.env.PATH}`,
    INPUT: input,
    MODEL: model,
    OUT: out,
    EMBED_ARGS: '--batch 32',
  };
  const array = submit(['--array=0-3'], env);
  const job = await array.submitted;
  const victim = join(out, 'points-2.csv');
  for (let waited = 0; (await sizeOf(victim)) < 4096; waited += 10) {
    assert.ok(waited < 60_000, 'task 2 writes rows within a minute');
    await sleep(10);
  }
  const cancel = spawn('scancel', [`${job}_2`], { env, stdio: 'inherit' });
  assert.equal(await new Promise((resolve) => cancel.on('close', resolve)), 0, 'scancel');
  const first = await array.exited;
  assert.notEqual(first.code, 0, `sbatch --wait reports the cancelled task: ${first.stderr}`);
  const share = [...reference, ...referenceErrors].filter((r) => shardOf(r[0]!, N) === 2).length;
  const partial = (await scanCsv(victim)).rows; // complete rows: a kill may tear the last
  assert.ok(partial > 0 && partial < share, `task 2 was stopped part way: ${partial} of ${share} rows`);
  t.diagnostic(`task 2 cancelled after ${partial} of its ${share} rows`);
  assert.equal((await readMeta(victim)).finished, false, 'its record says it did not finish');
  for (const k of [0, 1, 3])
    assert.match(await logOf(job, k), new RegExp(`^shard ${k}/4 from Slurm: SLURM_ARRAY_TASK_ID ${k} of SLURM_ARRAY_TASK_COUNT 4$`, 'm'));

  const again = submit(['--array=2', '--export=ALL,SHARD=2/4'], env);
  const rerun = await again.submitted;
  assert.equal((await again.exited).code, 0, await logOf(rerun, 2).catch(() => 'no log'));
  const log = await logOf(rerun, 2);
  assert.match(log, /^shard 2\/4 \(--shard\)$/m);
  assert.match(log, new RegExp(`; ${partial} rows kept from the earlier run;`));
  assert.equal((await readMeta(victim)).finished, true);

  const outputs = (await readdir(out)).filter((f) => /^points-\d\.csv$/.test(f)).map((f) => join(out, f));
  assert.equal(outputs.length, N);
  const sorted = [...reference].sort((a, b) => comparePaths(a[0]!, b[0]!));
  assertSameRows(await unionOf(outputs), sorted, 'union of the 4 Slurm tasks');
  assert.deepEqual(await unionOf([errorsPathFor(join(out, `points-${shardOf('5/zz-empty.png', N)}.csv`))]), referenceErrors);

  const merged = join(tmp, 'merged.csv');
  const check = await runCheck(['--input', input, '--outputs', join(out, 'points-*.csv'), '--merge', merged]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^ +20000 embedded once$/m);
  assert.match(check.stdout, /^ +1 listed as bad/m);
  assertSameRows((await readCsvFile(merged)).slice(1), reference, 'merged, in walk order');
});
