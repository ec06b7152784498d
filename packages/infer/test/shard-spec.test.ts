/**
 * `--shard auto` (shard-spec.ts) on the variables Slurm and Kubernetes set, as given to the
 * function (its `env` argument): K = (ID − MIN) / STEP of a Slurm array, JOB_COMPLETION_INDEX of
 * --shards N in an Indexed Job; and the one-line refusals when they name no shard.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveShard } from '../src/shard-spec.ts';

const slurm = (id: number, count: number, min = 0, step?: number) => ({
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_COUNT: String(count),
  SLURM_ARRAY_TASK_MIN: String(min),
  ...(step === undefined ? {} : { SLURM_ARRAY_TASK_STEP: String(step) }),
});

test('a Slurm array task is shard (ID - MIN) / STEP of TASK_COUNT, and says so', () => {
  assert.deepEqual(resolveShard('auto', undefined, slurm(2, 4)), {
    shard: { index: 2, count: 4 },
    source: 'shard 2/4 from Slurm: SLURM_ARRAY_TASK_ID 2 of SLURM_ARRAY_TASK_COUNT 4',
  });
  assert.deepEqual(resolveShard('auto', undefined, slurm(7, 4, 5)).shard, { index: 2, count: 4 });
  assert.deepEqual(resolveShard('auto', undefined, slurm(14, 4, 10, 2)).shard, { index: 2, count: 4 });
  assert.match(resolveShard('auto', undefined, slurm(14, 4, 10, 2)).source!, /\(14 - SLURM_ARRAY_TASK_MIN 10\) \/ 2/);
});

test('a Kubernetes Indexed Job pod is shard JOB_COMPLETION_INDEX of --shards', () => {
  assert.deepEqual(resolveShard('auto', 5, { JOB_COMPLETION_INDEX: '3' }), {
    shard: { index: 3, count: 5 },
    source: 'shard 3/5 from Kubernetes: JOB_COMPLETION_INDEX 3 of --shards 5',
  });
});

test('an explicit K/N is used as given; no --shard means the whole folder', () => {
  assert.deepEqual(resolveShard({ index: 1, count: 3 }, undefined, slurm(0, 2)).shard, { index: 1, count: 3 });
  assert.deepEqual(resolveShard(undefined, undefined, slurm(0, 2)), { shard: undefined, source: undefined });
});

test('what names no shard is refused in one line that says what to pass', () => {
  const cases: [Parameters<typeof resolveShard>, RegExp][] = [
    [['auto', undefined, {}], /--shard auto needs SLURM_ARRAY_TASK_ID .* or JOB_COMPLETION_INDEX with --shards N .*; pass --shard K\/N/],
    [['auto', undefined, { SLURM_ARRAY_TASK_ID: '1' }], /--shard auto needs/],
    [['auto', undefined, { JOB_COMPLETION_INDEX: '1' }], /no --shards N/],
    [['auto', 2, { JOB_COMPLETION_INDEX: '2' }], /JOB_COMPLETION_INDEX 2 is not below --shards 2/],
    [['auto', undefined, slurm(5, 4)], /array task 5 is not one of 4 evenly spaced tasks from 0/],
    [['auto', undefined, slurm(3, 4, 0, 2)], /array task 3 is not one of 4/],
    [['auto', 8, slurm(1, 4)], /--shards 8 disagrees with the Slurm array's 4 tasks/],
    [['auto', undefined, { ...slurm(1, 4), SLURM_ARRAY_TASK_ID: 'x' }], /SLURM_ARRAY_TASK_ID is 'x', not a whole number/],
    [[{ index: 0, count: 2 }, 2, {}], /--shards N goes with --shard auto/],
    [['auto', 0, { JOB_COMPLETION_INDEX: '0' }], /--shards must be from 1/],
  ];
  for (const [args, why] of cases) {
    assert.throws(
      () => resolveShard(...args),
      (err: Error) => err.name === 'UserError' && why.test(err.message) && !err.message.includes('\n'),
      JSON.stringify(args),
    );
  }
});
