/**
 * formatFloat32's fast path against the definition it replaces, String(Number(v.toPrecision(9))):
 * the same string for random float32 bit patterns, dense runs of neighbouring floats around
 * powers of ten and tie cases, and the edges of the fast path's range; and whole records against
 * csvRecord over those strings. Tolerance: none (strings and bytes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvRecord, formatFloat32, formatPointRows, PointRowWriter } from '@aae-map/shared';

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

test('PointRowWriter: the bytes of csvRecord over toPrecision(9) fields, for tricky paths, with and without z, past its first buffer', () => {
  const paths = [
    'a/1.png',
    'with space.png',
    'comma,name.png',
    'quote"d.png',
    '"starts.png',
    'line\nbreak.png',
    'cr\r\nlf.png',
    'ünï/数字 😀.png',
    '',
  ];
  const n = 3000; // about 400 KB of rows with z: the writer grows its 64 KiB buffer several times
  const clusters = 4;
  const styleDim = 3;
  let s = 99;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const out = {
    point: Float32Array.from({ length: 2 * n }, () => (rand() - 0.5) * 10 ** (rand() * 12 - 5)),
    clusterProb: Float32Array.from({ length: clusters * n }, () => rand()),
    style: Float32Array.from({ length: styleDim * n }, () => (rand() - 0.5) * 4),
  };
  const rowPaths = Array.from({ length: n }, (_, i) => `${i}/${paths[i % paths.length]}`);
  for (const withStyle of [false, true]) {
    const expected: string[] = [];
    for (let i = 0; i < n; i++) {
      const probs = Array.from(out.clusterProb.subarray(i * clusters, (i + 1) * clusters));
      const best = probs.indexOf(Math.max(...probs));
      const z = withStyle ? Array.from(out.style.subarray(i * styleDim, (i + 1) * styleDim), reference) : [];
      expected.push(
        csvRecord([
          rowPaths[i]!,
          reference(out.point[2 * i]!),
          reference(out.point[2 * i + 1]!),
          String(best),
          reference(probs[best]!),
          ...z,
        ]),
      );
    }
    const w = new PointRowWriter();
    w.rows(rowPaths, out, clusters, styleDim, withStyle);
    const bytes = w.take();
    assert.deepEqual(Buffer.from(bytes), Buffer.from(expected.join('')));
    assert.equal(w.take().length, 0, 'take() empties the writer');
    assert.equal(formatPointRows(rowPaths.slice(0, 50), out, clusters, styleDim, withStyle), expected.slice(0, 50).join(''));
  }
});
