/**
 * `pnpm bench:train --to-error E`: time to quality. Trains the default recipe (n-D, 1000 labels,
 * VAT, every other setting at its default) with `--epochs` as the length of its learning-rate
 * schedule, and stops after the first epoch whose test error is at or below E percent. Prints the
 * wall time (data loading, training and each epoch's evaluation) and the epochs it took.
 * The stopping rule reads the test set, as time-to-accuracy benchmarks do: it selects nothing
 * else, and the figure is a time, not a result to report as held-out quality.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendName, type EpochMetrics, type TrainOptions, train } from '../src/index.ts';

export interface ToErrorOptions {
  /** Target test error, in percent. */
  target: number;
  /** Length of the schedule, and the most epochs to run. */
  epochs: number;
  backend: BackendName;
  /** Settings that change the recipe (tests make it small); none for the benchmark. */
  recipe?: TrainOptions;
}

export interface ToErrorResult {
  reached: boolean;
  epochs: number;
  seconds: number;
  /** Test error of each epoch, in percent. */
  errors: number[];
}

export async function trainToError(o: ToErrorOptions): Promise<ToErrorResult> {
  const runDir = await mkdtemp(join(tmpdir(), 'aae-to-error-'));
  const stop = new AbortController();
  const errors: number[] = [];
  const t0 = performance.now();
  try {
    await train({
      ...o.recipe,
      runDir,
      epochs: o.epochs,
      backend: o.backend,
      signal: stop.signal,
      log: o.recipe?.log ?? ((line) => console.log(line)),
      onEpoch: (m: EpochMetrics) => {
        errors.push((m.testError ?? 1) * 100);
        if (errors.at(-1)! <= o.target) stop.abort();
      },
    });
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  return { reached: stop.signal.aborted, epochs: errors.length, seconds, errors };
}

export function formatToError(o: ToErrorOptions, r: ToErrorResult): string {
  const path = r.errors.map((e) => `${e.toFixed(2)}%`).join(', ');
  return r.reached
    ? `test error ${r.errors.at(-1)!.toFixed(2)}% ≤ ${o.target}% after ${r.epochs} epochs (of a ${o.epochs}-epoch schedule) in ${r.seconds.toFixed(0)} s wall; by epoch: ${path}`
    : `test error did not reach ${o.target}% in ${o.epochs} epochs (${r.seconds.toFixed(0)} s wall); by epoch: ${path}`;
}
