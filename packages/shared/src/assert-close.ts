import assert from 'node:assert/strict';

export interface Tolerance {
  /** @default 1e-6 */
  atol?: number;
  /** @default 0 */
  rtol?: number;
}

/**
 * Asserts |actual - expected| <= atol + rtol·|expected| elementwise. Checks length first,
 * treats NaN as equal to NaN, and names the first failing index.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}, what = 'value'): void {
  const { atol = 1e-6, rtol = 0 } = tol;
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}[${i}]: ${a} vs expected ${e} (|diff| ${Math.abs(a - e)} > atol ${atol} + rtol ${rtol})`);
  }
}

/** Largest |a - b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
