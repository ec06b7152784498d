import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EpochAccumulator } from '../src/run/epoch-metrics.ts';

test('epoch means weigh bulk reports (the GPU stepper) by their iterations, like the same iterations one by one', () => {
  const losses = [0.5, 1.5, 2, 4, 7];
  const one = new EpochAccumulator();
  for (const loss of losses) one.add({ generator: { loss, stats: { vat: 2 * loss } } });
  const bulk = new EpochAccumulator();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const part of [losses.slice(0, 3), losses.slice(3)])
    bulk.add({ generator: { loss: mean(part), stats: { vat: 2 * mean(part) }, iterations: part.length } });
  assert.equal(one.mean('loss.generator'), mean(losses));
  assert.ok(Math.abs(bulk.mean('loss.generator')! - mean(losses)) < 1e-12, `bulk mean ${bulk.mean('loss.generator')}`);
  assert.ok(Math.abs(bulk.mean('vat')! - 2 * mean(losses)) < 1e-12, `bulk vat mean ${bulk.mean('vat')}`);
});

test('the progress line shows - for numbers not reported yet', () => {
  const acc = new EpochAccumulator();
  assert.equal(acc.brief(), 'mse - D - G -');
  acc.add({ reconstruction: { loss: 0.25, stats: { mse: 0.25 } } });
  assert.equal(acc.brief(), 'mse 0.250 D - G -');
});
