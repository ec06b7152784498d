/**
 * The decode stage (decode-pool.ts, decode-worker.ts): the first worker walks and hands batches
 * round, and the batches come back in walk order, whatever the number of workers. Checked
 * against the walk run directly on this thread and against the MNIST digits the files hold.
 * The total the workers count covers what the walk reports as errors, as the bar ticks them.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readMnist, walkImages } from '@aae-map/shared';
import sharp from 'sharp';
import { AHEAD_BYTES, aheadFor, type Decoded, DecodePool } from '../src/decode-pool.ts';
import { encodeGrayPng } from '../src/sample-images.ts';
import { countFiles } from '../src/walk-batches.ts';

const SIZE = 28 * 28;
let root: string;
/** Path → the MNIST test digit it holds. */
const digitOf = new Map<string, number>();
let mnistPixels: Uint8Array;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'decode-pool-'));
  mnistPixels = (await readMnist('test')).pixels;
  // Uneven folders, so that batches straddle them; a corrupt PNG and a text file among the digits.
  const folders: [string, number][] = [
    ['a', 7],
    ['b/c', 0],
    ['b/d', 12],
    ['e f', 1],
    ['z', 9],
  ];
  let k = 0;
  for (const [folder, n] of folders) {
    await mkdir(join(root, folder), { recursive: true });
    for (let i = 0; i < n; i++, k++) {
      const path = `${folder}/${String(i).padStart(2, '0')}.png`;
      await writeFile(join(root, path), encodeGrayPng(mnistPixels.subarray(k * SIZE, (k + 1) * SIZE), 28, 28));
      digitOf.set(path, k);
    }
  }
  await writeFile(join(root, 'b/d/05x.png'), 'not a png');
  await writeFile(join(root, 'a/notes.txt'), 'hello');
  // Listed as an error by the walk, not decoded: it still counts in the total.
  await symlink(join(root, 'gone.png'), join(root, 'b/dangling.png'));
});
after(() => rm(root, { recursive: true, force: true }));

async function collect(pool: DecodePool, batch: number, consume?: (d: Decoded) => Promise<void>, ahead?: number) {
  let total: number | undefined;
  /** Batches used when the total came. */
  let totalAt = -1;
  const got: Decoded[] = [];
  const onTotal = (n: number) => {
    total = n;
    totalAt = got.length;
  };
  for await (const d of pool.stream({ input: root, after: undefined, batch, width: 28, height: 28 }, onTotal, ahead)) {
    got.push(d);
    await consume?.(d);
  }
  return { got, total, totalAt };
}

for (const workers of [1, 3]) {
  test(`${workers} worker(s): every image once, in walk order, decoded exactly; bad and other files reported`, async () => {
    const walk = [];
    for await (const e of walkImages(root)) walk.push(e);
    const images = walk.filter((e) => e.kind === 'image').map((e) => e.path);
    const pool = new DecodePool(workers);
    try {
      const { got, total } = await collect(pool, 4);
      assert.deepEqual(
        got.flatMap((d) => d.batch.paths),
        images,
        'walk order, each once',
      );
      assert.ok(
        got.slice(0, -1).every((d) => d.batch.paths.length === 4),
        'full batches but the last',
      );
      assert.equal(total, images.length + 1, 'the count, walk errors included, reached the caller');
      assert.deepEqual(
        got.flatMap((d) => d.batch.walkErrors.map((e) => e.path)),
        ['b/dangling.png'],
      );
      assert.equal(total, await countFiles(root));
      assert.equal(
        got.reduce((s, d) => s + d.batch.ignored, 0),
        1,
        'notes.txt',
      );
      const failed = got.flatMap((d) => d.result.failed.map((f) => d.batch.paths[f.index]));
      assert.deepEqual(failed, ['b/d/05x.png']);
      for (const { batch, result } of got) {
        result.ok.forEach((i, j) => {
          const k = digitOf.get(batch.paths[i]!)!;
          assert.deepEqual(
            result.pixels.subarray(j * SIZE, (j + 1) * SIZE),
            mnistPixels.subarray(k * SIZE, (k + 1) * SIZE),
            batch.paths[i],
          );
        });
      }
    } finally {
      await pool.close();
    }
  });
}

test('the workers stay a bounded number of batches ahead of a slow consumer, and count meanwhile', async () => {
  const pool = new DecodePool(2, { countAfterMs: 0 });
  const ahead = 5;
  let most = 0;
  try {
    const { got, total, totalAt } = await collect(
      pool,
      1,
      async () => {
        await new Promise((r) => setTimeout(r, 15));
        most = Math.max(most, (pool as unknown as { arrived: Map<number, unknown> }).arrived.size);
      },
      ahead,
    );
    assert.equal(got.length, digitOf.size + 1, 'a batch per file');
    assert.ok(most > 1, `batches decoded ahead (${most})`);
    assert.ok(most <= ahead, `at most ${ahead} batches waiting, saw ${most}`);
    // The walk cannot have ended before the last `ahead + 1` batches were granted: this total is the count's.
    assert.equal(total, await countFiles(root));
    assert.ok(
      totalAt >= 0 && totalAt < got.length - ahead - 1,
      `counted while the walk went on (after ${totalAt} of ${got.length} batches)`,
    );
    // Decoding is done from some batch on, and then for good; the slow consumer leaves the workers `ahead` batches to finish.
    const done = got.map((d) => d.decodingDone);
    const from = done.indexOf(true);
    assert.ok(from > 0 && done.slice(from).every(Boolean), `done from batch ${from} on: ${done.map(Number).join('')}`);
    assert.ok(from >= got.length - ahead - 1 && from <= got.length - 2, `done from batch ${from} of ${got.length}`);
  } finally {
    await pool.close();
  }
});

test('how far ahead the workers decode: 64 MiB of pixels, and at least 2 workers + 1 batches', () => {
  const o = (batch: number, side: number) => ({ input: root, after: undefined, batch, width: side, height: side });
  assert.equal(aheadFor(o(1024, 28), 1), Math.floor(AHEAD_BYTES / (1024 * 28 * 28)));
  assert.equal(aheadFor(o(1024, 28), 1), 83);
  assert.equal(aheadFor(o(1024, 224), 1), 3);
  assert.equal(aheadFor(o(1024, 224), 4), 9);
});

test('the count also arrives before the walk ends when the decoder is the slower stage', async () => {
  // JPEGs go through sharp, ~1 ms a file: the walking worker is never idle, so it counts after its
  // batches. Folders of 2 files make runs shorter than a batch: counting one run per batch would
  // fall behind the walk.
  const dir = await mkdtemp(join(tmpdir(), 'decode-pool-jpeg-'));
  try {
    for (let f = 0; f < 40; f++) {
      await mkdir(join(dir, `d${String(f).padStart(2, '0')}`));
      for (let i = 0; i < 2; i++) {
        const k = f * 2 + i;
        const jpeg = await sharp(Buffer.from(mnistPixels.subarray(k * SIZE, (k + 1) * SIZE)), {
          raw: { width: 28, height: 28, channels: 1 },
        })
          .jpeg()
          .toBuffer();
        await writeFile(join(dir, `d${String(f).padStart(2, '0')}`, `${i}.jpg`), jpeg);
      }
    }
    const pool = new DecodePool(1, { countAfterMs: 0 });
    try {
      let total: number | undefined;
      let totalAt = -1;
      let used = 0;
      for await (const d of pool.stream({ input: dir, after: undefined, batch: 4, width: 28, height: 28 }, (n) => {
        total = n;
        totalAt = used;
      })) {
        assert.equal(d.result.ok.length, d.batch.paths.length);
        used++;
      }
      assert.equal(used, 20);
      assert.equal(total, 80);
      assert.ok(totalAt >= 0 && totalAt < used - 2, `counted while the walk went on (after ${totalAt} of ${used} batches)`);
    } finally {
      await pool.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a pool walks one folder', async () => {
  const pool = new DecodePool(1);
  try {
    await collect(pool, 8);
    await assert.rejects(collect(pool, 8), /walks one folder/);
  } finally {
    await pool.close();
  }
});
