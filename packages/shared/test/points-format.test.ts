/**
 * formatFloat32's fast path against the definition it replaces, String(Number(v.toPrecision(9))):
 * the same string for random float32 bit patterns, dense runs of neighbouring floats around
 * powers of ten and tie cases, and the edges of the fast path's range. Tolerance: none (strings).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloat32 } from '@aae-map/shared';

const reference = (v: number) => String(Number(v.toPrecision(9)));

function compare(v: number): void {
  const got = formatFloat32(v);
  if (got !== reference(v)) assert.fail(`formatFloat32(${v}) = ${got}, toPrecision(9) gives ${reference(v)}`);
}

test('random float32 bit patterns: the same strings as toPrecision(9)', () => {
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 300_000; i++) {
    bits[0] = next() ^ (next() << 16);
    compare(f[0]!);
  }
});

test('runs of neighbouring float32s around powers of ten, the range edges and ties', () => {
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (const start of [1e-4, 1e-3, 0.1, 1, 10, 1e5, 1234567.1, 16777216, 1e8, 999999999]) {
    f[0] = start;
    const mid = bits[0]!;
    for (let i = -20_000; i < 20_000; i++) {
      bits[0] = mid + i;
      compare(f[0]!);
      compare(-f[0]!);
    }
  }
  // 1234567.125 is a float32 and a tie at 9 digits: it rounds away from zero.
  assert.equal(formatFloat32(1234567.125), '1234567.13');
  assert.equal(formatFloat32(-1234567.125), '-1234567.13');
  assert.equal(formatFloat32(Math.fround(0.1)), '0.100000001');
  assert.equal(formatFloat32(2.5), '2.5');
  for (const v of [0, -0, 1e-5, 1e9, 3e38, NaN, Infinity, -Infinity, 0.1]) compare(v);
});
