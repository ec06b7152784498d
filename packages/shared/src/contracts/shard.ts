/**
 * Which share of a folder a file belongs to when N processes embed it (`embed --shard K/N`):
 * fmix64(FNV-1a 64(the UTF-8 bytes of the file's path)) mod N, as an unsigned 64-bit integer.
 * The path is the one points.csv writes (relative to --input, '/'-separated, in the text form of
 * path-encoding.ts, before any --safe-csv guard). The share depends on nothing but the path and
 * N: not on the walk order, the machine, or other files in the tree. docs/model-format.md gives
 * the rule and test vectors, so that other tools can reproduce the shares. Browser-safe.
 */

/** One share of a sharded run: `index` from 0 to `count` − 1. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The most shards a run may be split into. (hi mod N)·(2^32 mod N) + lo must stay below 2^53
 * for shardOf's exact arithmetic in doubles; a million shards keep it below 2^40.
 */
export const MAX_SHARDS = 1_000_000;

/** What a run's sidecar records as the rule (so that a later rule would be told apart). */
export const SHARD_HASH = 'fnv1a64-fmix64-utf8-path-mod-n';

const TWO_32 = 2 ** 32;

// The hash's state in four 16-bit limbs (v0 lowest), so that every step is small-integer
// arithmetic: module variables, so that a step is a plain call.
let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

/** Mixes one byte in: xor, then multiply by the prime 2^40 + 0x1b3 (0x1b3 in limb 0, 0x100 in limb 2), modulo 2^64. */
function step(byte: number): void {
  v0 ^= byte;
  const t0 = v0 * 0x1b3;
  const t1 = v1 * 0x1b3 + (t0 >>> 16);
  const t2 = v2 * 0x1b3 + (v0 << 8) + (t1 >>> 16);
  const t3 = v3 * 0x1b3 + (v1 << 8) + (t2 >>> 16);
  v0 = t0 & 0xffff;
  v1 = t1 & 0xffff;
  v2 = t2 & 0xffff;
  v3 = t3 & 0xffff;
}

/** Mixes in the UTF-8 bytes of code point `c` (at least 0x80). */
function stepCodePoint(c: number): void {
  if (c < 0x800) step(0xc0 | (c >> 6));
  else {
    if (c < 0x10000) step(0xe0 | (c >> 12));
    else {
      step(0xf0 | (c >> 18));
      step(0x80 | ((c >> 12) & 0x3f));
    }
    step(0x80 | ((c >> 6) & 0x3f));
  }
  step(0x80 | (c & 0x3f));
}

/**
 * Sets the state to FNV-1a 64 of `text`'s UTF-8 bytes. The bytes are made on the fly (a lone
 * surrogate counts as U+FFFD, as TextEncoder makes it), so a path costs no allocation.
 */
function fnv1a64(text: string): void {
  v3 = 0xcbf2;
  v2 = 0x9ce4;
  v1 = 0x8422;
  v0 = 0x2325;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) step(c);
    else if (c < 0xd800 || c > 0xdfff) stepCodePoint(c);
    else {
      const next = text.charCodeAt(i + 1);
      const pair = c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
      stepCodePoint(pair ? 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00) : 0xfffd);
      if (pair) i++;
    }
  }
}

/** The state ^= state >> 33: only the two low limbs change. */
function xorShift33(): void {
  v0 ^= (v2 >>> 1) | ((v3 & 1) << 15);
  v1 ^= v3 >>> 1;
}

/**
 * The state × (c3 c2 c1 c0) modulo 2^64, one 16×16-bit product at a time with its carry (as
 * Long.js multiplies), so that every sum stays below 2^32 and in small-integer arithmetic.
 */
function multiply(c0: number, c1: number, c2: number, c3: number): void {
  let r0 = v0 * c0;
  let r1 = r0 >>> 16;
  r0 &= 0xffff;
  r1 += v1 * c0;
  let r2 = r1 >>> 16;
  r1 &= 0xffff;
  r1 += v0 * c1;
  r2 += r1 >>> 16;
  r1 &= 0xffff;
  r2 += v2 * c0;
  let r3 = r2 >>> 16;
  r2 &= 0xffff;
  r2 += v1 * c1;
  r3 += r2 >>> 16;
  r2 &= 0xffff;
  r2 += v0 * c2;
  r3 += r2 >>> 16;
  r2 &= 0xffff;
  // Only the low 16 bits of the top limb are kept, so its sum may pass 2^32: & takes it modulo 2^32.
  r3 = (r3 + v3 * c0 + v2 * c1 + v1 * c2 + v0 * c3) & 0xffff;
  v0 = r0;
  v1 = r1;
  v2 = r2;
  v3 = r3;
}

/**
 * MurmurHash3's 64-bit finalizer, on the state. FNV's low bits depend only on the low bits of
 * the bytes (its xor and multiply never carry downwards), so FNV mod 4 alone would put 'a.png',
 * 'e.png' and 'i.png' in one share always; after fmix64 every bit depends on every bit.
 */
function fmix64(): void {
  xorShift33();
  multiply(0x8ccd, 0xed55, 0xafd7, 0xff51); // 0xff51afd7ed558ccd
  xorShift33();
  multiply(0xec53, 0x1a85, 0xb9fe, 0xc4ce); // 0xc4ceb9fe1a85ec53
  xorShift33();
}

/** fmix64(FNV-1a 64) of `text`'s UTF-8 bytes, as its two unsigned 32-bit halves. */
export function pathHash(text: string): { hi: number; lo: number } {
  fnv1a64(text);
  fmix64();
  return { hi: v3 * 65536 + v2, lo: v1 * 65536 + v0 };
}

/** The share (0 to count − 1) of the file at text-form path `path`; see the file comment. */
export function shardOf(path: string, count: number): number {
  if (count === 1) return 0;
  fnv1a64(path);
  fmix64();
  // From the state, not pathHash's object: an allocation was a good part of a path's ~0.2 µs.
  return (((v3 * 65536 + v2) % count) * (TWO_32 % count) + v1 * 65536 + v0) % count;
}

/** Whether the file at `path` is in `shard`'s share; every file is when there is no shard. */
export const inShard = (path: string, shard: ShardSpec | undefined): boolean =>
  shard === undefined || shardOf(path, shard.count) === shard.index;

/** `2/4`, as the flag and the messages write a shard. */
export const shardName = (s: ShardSpec): string => `${s.index}/${s.count}`;
