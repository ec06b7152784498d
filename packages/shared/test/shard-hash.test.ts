/**
 * The shard of a path (shard.ts): fmix64(FNV-1a 64(UTF-8 bytes)) mod N, checked against a
 * BigInt implementation written from the definitions and against the vectors docs/model-format.md
 * gives; shares are even, independent of the low bits of the names, and the --shard parser takes
 * K/N and auto only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePaths, MAX_SHARDS, pathHash, shardOf, walkOrderKey } from '@aae-map/shared';
import { shardSpec } from '@aae-map/shared/cli';

const MASK = (1n << 64n) - 1n;

/** The rule as docs/model-format.md states it, in 64-bit BigInt arithmetic. */
function reference(path: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(path)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK;
  return h ^ (h >> 33n);
}

const asBigInt = ({ hi, lo }: { hi: number; lo: number }) => (BigInt(hi) << 32n) | BigInt(lo);

/** A deterministic generator, so that a failure can be reproduced. */
function* strings(count: number): Generator<string> {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < count; i++) {
    const range = [0x80, 0x800, 0x10000][i % 3]!; // ASCII, 2-byte, 3-byte and surrogates (lone or paired)
    yield String.fromCharCode(...Array.from({ length: 1 + (next() % 40) }, () => next() % range));
  }
}

test('the hash and the share equal the BigInt reference, on ASCII, multi-byte, astral and lone-surrogate paths', () => {
  const fixed = ['', 'a', '7/00042.png', 'café/ü.png', '数字/😀.png', 'caf%E9.png', 'lone \ud800 high', 'lone \udc00 low'];
  for (const path of [...fixed, ...strings(3000)]) {
    const want = reference(path);
    assert.equal(asBigInt(pathHash(path)), want, JSON.stringify(path));
    for (const n of [1, 2, 3, 4, 7, 8, 1000, 999_983, MAX_SHARDS])
      assert.equal(BigInt(shardOf(path, n)), want % BigInt(n), `${JSON.stringify(path)} mod ${n}`);
  }
});

test('the vectors in docs/model-format.md', () => {
  const vectors: [string, string, number][] = [
    ['', 'efd01f60ba992926', 2],
    ['7/00042.png', 'a491f9449df70e75', 1],
    ['café/ü.png', 'baf8761308c88fcb', 3],
    ['caf%E9.png', '983983ddcc13bf56', 2],
  ];
  for (const [path, hex, mod4] of vectors) {
    assert.equal(asBigInt(pathHash(path)).toString(16).padStart(16, '0'), hex, path);
    assert.equal(shardOf(path, 4), mod4, path);
  }
});

test('shares are even, also for names that differ only in the high bits of a byte', () => {
  const paths = Array.from({ length: 40_000 }, (_, i) => `${i % 10}/${String(i).padStart(5, '0')}.png`);
  for (const n of [3, 4, 8]) {
    const counts = new Array<number>(n).fill(0);
    for (const p of paths) counts[shardOf(p, n)]!++;
    for (const c of counts) assert.ok(Math.abs(c - paths.length / n) < 0.05 * (paths.length / n), `mod ${n}: ${counts}`);
  }
  // FNV's low two bits depend only on the low two bits of each byte: a, e, i, m, ... agree there.
  const alike = 'aeimquy'.split('').map((c) => `${c}.png`);
  assert.ok(new Set(alike.map((p) => shardOf(p, 4))).size > 1, 'the finalizer spreads them');
});

test('walkOrderKey orders as comparePaths, so merges need not split paths', () => {
  const paths = ['a', 'a/b', 'a!', 'a/b/c', 'ab', 'a b/x', 'a/\u00e9', 'Z', '%41', 'a.png', 'a/a'];
  const byKey = [...paths].sort((x, y) => (walkOrderKey(x) < walkOrderKey(y) ? -1 : walkOrderKey(x) > walkOrderKey(y) ? 1 : 0));
  assert.deepEqual(byKey, [...paths].sort(comparePaths));
});

test('--shard takes K/N with K below N, and auto; anything else is refused in one line', () => {
  assert.deepEqual(shardSpec('2/4'), { index: 2, count: 4 });
  assert.deepEqual(shardSpec(' 0 / 1 '), { index: 0, count: 1 });
  assert.equal(shardSpec('auto'), 'auto');
  for (const [bad, why] of [
    ['4/4', /K must be below N/],
    ['1/0', /N must be from 1/],
    [`0/${MAX_SHARDS + 1}`, /N must be from 1/],
    ['1', /expected K\/N/],
    ['-1/4', /expected K\/N/],
    ['1/2/3', /expected K\/N/],
    ['a/b', /expected K\/N/],
    ['', /expected K\/N/],
  ] as const) {
    assert.throws(
      () => shardSpec(bad),
      (err: Error) => why.test(err.message) && !err.message.includes('\n'),
      bad,
    );
  }
});
