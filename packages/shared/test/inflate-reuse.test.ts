/**
 * The reused inflater (inflate-reuse.ts) against node's inflateSync, the reference: the same
 * bytes for every stream inflateSync accepts, an error for every one it rejects (or -1, which defers to inflateSync), and a good
 * stream right after a bad one still inflates (the stream is replaced after a failure).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { inflateInto, usesZlibBinding } from '../src/decode/inflate-reuse.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Data shaped like image rows: runs, noise, repeats, and a few sizes up to 40 KB. */
function sample(rnd: () => number): Buffer {
  const n = Math.floor(rnd() ** 2 * 40_000);
  const kind = Math.floor(rnd() * 3);
  const a = Buffer.alloc(n);
  for (let i = 0; i < n; i++)
    a[i] = kind === 0 ? rnd() * 256 : kind === 1 ? (rnd() < 0.8 ? 0 : rnd() * 256) : (i % 29) * 7 + (rnd() < 0.1 ? 1 : 0);
  return a;
}

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

/** Runs inflateInto, returning its bytes, -1, or null when it threw. */
function ours(input: Uint8Array, room: number): Buffer | -1 | null {
  const out = new Uint8Array(room);
  try {
    const n = inflateInto(input, out);
    return n < 0 ? -1 : Buffer.from(out.subarray(0, n));
  } catch {
    return null;
  }
}

function reference(input: Uint8Array): Buffer | null {
  try {
    return inflateSync(input);
  } catch {
    return null;
  }
}

test('300 streams (every level, strategy and window size): the same bytes as inflateSync', () => {
  const rnd = lcg(1);
  for (let t = 0; t < 300; t++) {
    const data = sample(rnd);
    const z = deflateSync(data, { level: t % 10, strategy: STRATEGIES[t % 5], windowBits: 9 + (t % 7), memLevel: 1 + (t % 9) });
    assert.deepEqual(ours(z, data.length + 1), data, `stream ${t}`);
  }
});

test('damaged streams, interleaved with good ones: rejected exactly when inflateSync rejects them', () => {
  const rnd = lcg(2);
  let rejected = 0;
  for (let t = 0; t < 300; t++) {
    const data = sample(rnd);
    const z = deflateSync(data, { level: 1 + (t % 9) });
    const bad = Buffer.from(z);
    const mode = t % 3;
    let input: Uint8Array = bad;
    if (mode === 0) bad[Math.floor(rnd() * bad.length)]! ^= 1 << Math.floor(rnd() * 8);
    else if (mode === 1) input = bad.subarray(0, Math.floor(rnd() * bad.length));
    else for (let j = 0; j < 3; j++) bad[Math.floor(rnd() * bad.length)] = rnd() * 256;
    const ref = reference(input);
    const room = 2 * data.length + 64;
    const got = ours(input, room);
    if (got === null) rejected++;
    // -1 (the buffer filled up) leaves the verdict to inflateSync, as png-direct.ts does.
    if (got === -1) assert.ok(ref === null || ref.length >= room, `damaged stream ${t}: -1 though zlib gives ${ref?.length} bytes`);
    else assert.deepEqual(got, ref, `damaged stream ${t} (mode ${mode}): ${ref === null ? 'zlib rejects it' : 'zlib accepts it'}`);
    // The inflater must be usable again right after a failure.
    assert.deepEqual(ours(z, data.length + 1), data, `good stream after damaged stream ${t}`);
  }
  assert.ok(rejected > 250, `most damaged streams throw (${rejected} of 300)`);
});

test('data longer than the buffer gives -1; an exact fit gives its length', () => {
  const data = sample(lcg(3));
  const z = deflateSync(data);
  assert.equal(ours(z, data.length - 1), -1);
  assert.equal(ours(z, data.length), -1, 'a full buffer cannot tell whether more data follows');
  assert.deepEqual(ours(z, data.length + 1), data);
  assert.deepEqual(ours(deflateSync(Buffer.alloc(0)), 1), Buffer.alloc(0));
});

test("node's zlib stream still has the private binding inflateInto drives (_handle.writeSync, _writeState)", () => {
  // Without it decoding stays correct but takes the slower inflateSync path; this is the alarm.
  assert.ok(usesZlibBinding(), 'node changed its zlib internals: inflate-reuse.ts now falls back to inflateSync');
});
