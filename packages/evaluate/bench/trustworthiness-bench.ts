/**
 * Times trustworthiness (k = 5) on MNIST's 10k test images against a 2-D random projection,
 * and measures the literal sklearn-style algorithm (test/reference-metrics.ts) on a subset in
 * the same run as the baseline: it prints both values (they should agree) and the speed ratio.
 *
 *   node --import tsx packages/evaluate/bench/trustworthiness-bench.ts [--subset 1500] [--n 10000]
 */
import { parseArgs } from 'node:util';
import { readMnist } from '@aae-map/shared';
import { trustworthiness } from '../src/metrics/trustworthiness.ts';
import { referenceTrustworthiness } from '../test/reference-metrics.ts';

const { values } = parseArgs({ options: { subset: { type: 'string', default: '1500' }, n: { type: 'string', default: '10000' } } });
const test = await readMnist('test');
const dim = test.height * test.width;
const n = Math.min(Number(values.n), test.count);
const subset = Math.min(Number(values.subset), n);
const pixels = Float32Array.from(test.pixels.subarray(0, n * dim));

// A fixed random projection to 2-D: a poor map, so many pairs take the slow counting path.
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31 - 0.5;
};
const proj = Float32Array.from({ length: dim * 2 }, rand);
const low = new Float32Array(n * 2);
for (let i = 0; i < n; i++) {
  for (let d = 0; d < dim; d++) {
    low[2 * i]! += pixels[i * dim + d]! * proj[2 * d]!;
    low[2 * i + 1]! += pixels[i * dim + d]! * proj[2 * d + 1]!;
  }
}

const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const v = f();
  return [v, (performance.now() - t0) / 1000];
};
const sub = pixels.subarray(0, subset * dim);
const subLow = low.subarray(0, subset * 2);
const [refT, refS] = time(() => referenceTrustworthiness(sub, dim, subLow, 5));
const [fastSubT, fastSubS] = time(() => trustworthiness(sub, dim, subLow, { k: 5 }));
console.log(
  `subset n=${subset}: reference ${refT.toFixed(6)} in ${refS.toFixed(2)} s, fast ${fastSubT.toFixed(6)} in ${fastSubS.toFixed(2)} s, speed-up ×${(refS / fastSubS).toFixed(1)}`,
);
const [fullT, fullS] = time(() => trustworthiness(pixels, dim, low, { k: 5 }));
console.log(`full n=${n}: trustworthiness ${fullT.toFixed(6)} in ${fullS.toFixed(2)} s`);
