/** Picking the default run: the newest manifest.json under runs/, ignoring what is not a checkpoint. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UserError } from '@aae-map/shared';
import { latestRun } from '../src/index.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'export-latest-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

async function fakeRun(runs: string, name: string, mtimeSec: number): Promise<void> {
  await mkdir(join(runs, name), { recursive: true });
  await writeFile(join(runs, name, 'manifest.json'), '{}');
  await utimes(join(runs, name, 'manifest.json'), mtimeSec, mtimeSec);
}

test('the run whose manifest was written last wins, whatever the names', async () => {
  const runs = join(tmp, 'runs');
  await fakeRun(runs, 'zzz-old', 1_000_000);
  await fakeRun(runs, 'aaa-new', 3_000_000);
  await fakeRun(runs, 'mmm-mid', 2_000_000);
  await mkdir(join(runs, 'no-manifest-yet'));
  await utimes(join(runs, 'no-manifest-yet'), 4_000_000, 4_000_000);
  await writeFile(join(runs, 'notes.txt'), 'not a run');
  assert.equal(await latestRun(runs), join(runs, 'aaa-new'));
});

test('no runs directory, or one without checkpoints, is a UserError that says what to do', async () => {
  await assert.rejects(latestRun(join(tmp, 'missing')), (e: Error) => e instanceof UserError && /pnpm train/.test(e.message));
  const empty = join(tmp, 'empty-runs');
  await mkdir(join(empty, 'half-written'), { recursive: true });
  await assert.rejects(latestRun(empty), (e: Error) => e instanceof UserError && /no checkpoint/.test(e.message));
});
