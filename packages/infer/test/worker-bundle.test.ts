/**
 * The decode worker's plain-JS bundle (worker-bundle.ts): built once, reused while its sources
 * are unchanged, rebuilt when one changes, and absent (so the pool falls back to tsx) when it
 * cannot be built. The real pool then decodes real MNIST PNGs from the bundle (one interlaced,
 * through pngjs).
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { readMnist } from '@aae-map/shared';
import sharp from 'sharp';
import { DecodePool } from '../src/decode-pool.ts';
import { encodeGrayPng } from '../src/sample-images.ts';
import { workerBundle } from '../src/worker-bundle.ts';

const tmp = await mkdtemp(join(tmpdir(), 'worker-bundle-'));
after(() => rm(tmp, { recursive: true, force: true }));

/** Runs a bundled worker and returns the first message it posts. */
async function firstMessage(file: string): Promise<unknown> {
  const w = new Worker(file, { execArgv: [] });
  try {
    return await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}

test('built on first use, reused while the sources are unchanged, rebuilt when one changes', async () => {
  const src = join(tmp, 'src');
  mkdirSync(src);
  const entry = join(src, 'entry.ts');
  writeFileSync(
    entry,
    "import { parentPort } from 'node:worker_threads';\nimport { value } from './dep.ts';\nparentPort!.postMessage(value satisfies string);\n",
  );
  writeFileSync(join(src, 'dep.ts'), "export const value: string = 'first';\n");
  const o = { entry, cacheDir: join(tmp, 'cache') };

  const first = workerBundle(o);
  assert.ok(first, 'a bundle was built');
  assert.equal(await firstMessage(first), 'first');
  const builtAt = statSync(first).mtimeMs;

  await new Promise((r) => setTimeout(r, 20));
  assert.equal(workerBundle(o), first);
  assert.equal(statSync(first).mtimeMs, builtAt, 'unchanged sources: not rebuilt');

  writeFileSync(join(src, 'dep.ts'), "export const value: string = 'second';\n");
  const second = workerBundle(o);
  assert.ok(second);
  assert.equal(await firstMessage(second), 'second', 'a changed import is picked up');
});

test('a source that does not compile gives no bundle, so the pool uses tsx', () => {
  const entry = join(tmp, 'broken.ts');
  writeFileSync(entry, 'export const = ;\n');
  assert.equal(workerBundle({ entry, cacheDir: join(tmp, 'cache2') }), undefined);
});

test('a bundle named by prebuiltEnv is used as it is when it exists; a missing one is ignored', async () => {
  const src = join(tmp, 'prebuilt-src');
  mkdirSync(src);
  const entry = join(src, 'entry.ts');
  writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort!.postMessage('built');\n");
  const prebuilt = join(tmp, 'prebuilt.mjs');
  writeFileSync(prebuilt, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('prebuilt');\n");
  const o = { entry, cacheDir: join(tmp, 'prebuilt-cache'), prebuiltEnv: 'AAE_TEST_PREBUILT_WORKER' };
  try {
    process.env.AAE_TEST_PREBUILT_WORKER = prebuilt;
    assert.equal(workerBundle(o), prebuilt);
    assert.equal(await firstMessage(prebuilt), 'prebuilt');
    process.env.AAE_TEST_PREBUILT_WORKER = join(tmp, 'missing.mjs');
    const built = workerBundle(o);
    assert.ok(built && built !== prebuilt, 'a missing prebuilt file: built from the sources');
    assert.equal(await firstMessage(built), 'built');
  } finally {
    delete process.env.AAE_TEST_PREBUILT_WORKER;
  }
});

test('the decode pool runs the bundle (or tsx) and decodes real MNIST PNGs exactly', async () => {
  const mnist = await readMnist('test');
  const size = 28 * 28;
  const dir = join(tmp, 'images');
  mkdirSync(dir);
  const paths = [0, 1, 2, 3].map((i) => {
    writeFileSync(join(dir, `${i}.png`), encodeGrayPng(mnist.pixels.subarray(i * size, (i + 1) * size), 28, 28));
    return `${i}.png`;
  });
  // An interlaced PNG takes the pngjs path, which the worker loads on first use, resolving it
  // from the bundle's folder (where it to fail, sharp would still decode the file, so check it).
  const bundled = workerBundle();
  assert.ok(bundled);
  assert.equal(typeof (createRequire(bundled)('pngjs') as { PNG: unknown }).PNG, 'function');
  const digit4 = Buffer.from(mnist.pixels.subarray(4 * size, 5 * size));
  writeFileSync(
    join(dir, '4.png'),
    await sharp(digit4, { raw: { width: 28, height: 28, channels: 1 } })
      .png({ progressive: true })
      .toBuffer(),
  );
  paths.push('4.png');
  // Through the bundle and through tsx (what the pool falls back to), in 2 batches.
  const stage = { input: dir, after: undefined, batch: 3, width: 28, height: 28 };
  for (const bundle of [true, false]) {
    const pool = new DecodePool(1, { bundle });
    try {
      assert.equal(pool.code, bundle ? 'bundle' : 'tsx');
      let total: number | undefined;
      const got = [];
      for await (const d of pool.stream(stage, (n) => (total = n))) got.push(d);
      assert.ok(pool.started, 'the worker started');
      assert.deepEqual(
        got.map((d) => d.batch.paths),
        [
          ['0.png', '1.png', '2.png'],
          ['3.png', '4.png'],
        ],
        pool.code,
      );
      assert.deepEqual(
        got.map((d) => d.result.ok),
        [
          [0, 1, 2],
          [0, 1],
        ],
        pool.code,
      );
      assert.deepEqual(Buffer.concat(got.map((d) => d.result.pixels)), Buffer.from(mnist.pixels.subarray(0, 5 * size)), pool.code);
      assert.equal(total, 5, `${pool.code}: the count reached the caller`);
    } finally {
      await pool.close();
    }
  }
});
