/**
 * The time-to-quality bench (`pnpm bench:train --to-error E`) stops after the first epoch whose
 * test error is at or below E, and otherwise runs the whole schedule; on a small recipe.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatToError, trainToError } from '../bench/to-error.ts';

const recipe = { trainLimit: 1500, testLimit: 500, labels: 100, hidden: [64, 64], vat: 0, seed: 2, progress: false, log: () => {} };

test('--to-error stops at the first epoch at or below the target, and runs the whole schedule when none is', async () => {
  const easy = { target: 99, epochs: 3, backend: 'wasm' as const, recipe };
  const reached = await trainToError(easy);
  assert.deepEqual([reached.reached, reached.epochs], [true, 1], formatToError(easy, reached));
  assert.ok(reached.errors[0]! <= 99 && reached.seconds > 0);
  const never = { ...easy, target: 0.001, epochs: 2 };
  const missed = await trainToError(never);
  assert.deepEqual([missed.reached, missed.epochs], [false, 2], formatToError(never, missed));
  assert.match(formatToError(never, missed), /did not reach 0\.001% in 2 epochs/);
  assert.ok(missed.errors.every((e) => e > 0.001 && e <= 100));
});
