import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { commitFiles, MANIFEST, packTensors, recoverCheckpoint, UserError, unpackTensors, type WeightEntry } from '@aae-map/shared';

const root = await mkdtemp(join(tmpdir(), 'aae-ckpt-'));
after(() => rm(root, { recursive: true, force: true }));

test('packTensors/unpackTensors round-trip float32 little-endian with byte offsets', () => {
  const a = Float32Array.from([1.5, -2.25, 3e-8]);
  const b = Float32Array.from([7, 8, 9, 10, 11, 12]);
  const { entries, data } = packTensors([
    ['a', [3], a],
    ['b', [2, 3], b],
  ]);
  assert.deepEqual(
    entries.map((e) => e.offset),
    [0, 12],
  );
  assert.equal(data.byteLength, 36);
  // Independent decode of one value with a DataView.
  assert.equal(new DataView(data.buffer).getFloat32(12 + 4 * 5, true), 12);
  const back = unpackTensors(entries, data, 'x.bin');
  assert.deepEqual(Array.from(back.get('a')!), Array.from(a));
  assert.deepEqual(Array.from(back.get('b')!), Array.from(b));
});

test('unpackTensors rejects a truncated buffer with a UserError naming the tensor', () => {
  const { entries, data } = packTensors([['w', [4], new Float32Array(4)]]);
  assert.throws(
    () => unpackTensors(entries, data.subarray(0, 10), 'w.bin'),
    (e: unknown) => e instanceof UserError && /truncated.*tensor w/.test(e.message),
  );
});

test('unpackTensors reports a negative, fractional or missing offset and a bad dimension as what they are', () => {
  const { entries, data } = packTensors([['w', [4], new Float32Array(4)]]);
  const cases: [Partial<WeightEntry>, RegExp][] = [
    [{ offset: -4 }, /tensor w: offset -4 is negative/],
    [{ offset: 1.5 }, /tensor w: offset 1\.5 is not a whole number/],
    [{ offset: undefined }, /tensor w: offset undefined is not a number/],
    [{ shape: [2, -2] }, /tensor w: shape \[2,-2\]: dimension -2 is negative/],
    [{ shape: [0.5] }, /tensor w: shape \[0\.5\]: dimension 0\.5 is not a whole number/],
  ];
  for (const [edit, message] of cases) {
    const e = { ...entries[0]!, ...edit } as WeightEntry;
    assert.throws(
      () => unpackTensors([e], data, 'w.bin'),
      (err: unknown) => err instanceof UserError && message.test(err.message) && !/truncated/.test(err.message),
      JSON.stringify(edit),
    );
  }
});

test('commitFiles writes every file and leaves no pending directory', async () => {
  const dir = join(root, 'commit');
  await commitFiles(dir, { 'weights.bin': new Uint8Array([1, 2, 3]), [MANIFEST]: '{"epoch":1}' });
  await commitFiles(dir, { 'weights.bin': new Uint8Array([4, 5]), [MANIFEST]: '{"epoch":2}' });
  assert.deepEqual([...(await readFile(join(dir, 'weights.bin')))], [4, 5]);
  assert.equal(await readFile(join(dir, MANIFEST), 'utf8'), '{"epoch":2}');
  assert.equal(existsSync(join(dir, '.pending')), false);
});

test('recoverCheckpoint rolls a completed pending commit forward and drops an incomplete one', async () => {
  const dir = join(root, 'recover');
  await commitFiles(dir, { 'weights.bin': new Uint8Array([1]), [MANIFEST]: 'old' });
  // Simulate a crash after the pending set was complete but before the moves.
  await mkdir(join(dir, '.pending'));
  await writeFile(join(dir, '.pending', 'weights.bin'), new Uint8Array([2]));
  await writeFile(join(dir, '.pending', MANIFEST), 'new');
  await writeFile(join(dir, '.pending', '.complete'), '');
  await recoverCheckpoint(dir);
  assert.equal(await readFile(join(dir, MANIFEST), 'utf8'), 'new');
  assert.deepEqual([...(await readFile(join(dir, 'weights.bin')))], [2]);
  // A crash while the pending set was still being written: the old checkpoint stays.
  await mkdir(join(dir, '.pending'));
  await writeFile(join(dir, '.pending', 'weights.bin'), new Uint8Array([3]));
  await recoverCheckpoint(dir);
  assert.equal(await readFile(join(dir, MANIFEST), 'utf8'), 'new');
  assert.deepEqual([...(await readFile(join(dir, 'weights.bin')))], [2]);
  assert.equal(existsSync(join(dir, '.pending')), false);
});
