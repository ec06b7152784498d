/**
 * What decodeBatch refuses, on real files: a FIFO put where a file was (never waited on), files
 * larger than the read buffer that their first 64 KB already condemn (a format sharp does not
 * know, too many pixels, too many bytes), and how many file bytes sharp may hold at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeBatch } from '@aae-map/shared/decode';
import sharp from 'sharp';
import { GIB, mkfifo, pngHeader, sparseFile } from '../../../test/fixtures/special-files.ts';
import { encodeGrayPng } from '../src/sample-images.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'decode-limits-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const reasons = async (paths: string[], maxPixels?: number) => {
  const r = await decodeBatch({ root: dir, paths, width: 28, height: 28, maxPixels });
  return Object.fromEntries(r.failed.map((f) => [paths[f.index]!, f.reason]));
};

test('a FIFO where the walk saw a file is refused at once, with or without a writer', async () => {
  await mkfifo(join(dir, 'fifo.png'));
  await mkdir(join(dir, 'folder.png'));
  assert.deepEqual(await reasons(['fifo.png', 'folder.png']), { 'fifo.png': 'not a regular file (fifo)', 'folder.png': 'is a directory' });
  // Opened read-write, the FIFO has a writer, so a non-blocking read says EAGAIN instead of end of file.
  const writer = openSync(join(dir, 'fifo.png'), 'r+');
  try {
    assert.deepEqual(await reasons(['fifo.png']), { 'fifo.png': 'not a regular file (fifo)' });
  } finally {
    closeSync(writer);
  }
});

test('files over 64 KB are judged from their first 64 KB: format, pixels, then bytes', async () => {
  await sparseFile(join(dir, 'zeros.png'), new Uint8Array(0), 1.5 * GIB);
  await sparseFile(join(dir, 'long.png'), pngHeader(28, 28), 1.5 * GIB);
  await sparseFile(join(dir, 'wide.png'), pngHeader(30000, 30000), 70_000);
  // A JPEG's size is read by sharp from its header; noise makes this one larger than 64 KB.
  const noise = Buffer.from(Array.from({ length: 300 * 300 * 3 }, (_, i) => (i * 2654435761) >>> 24));
  const jpeg = await sharp(noise, { raw: { width: 300, height: 300, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
  await writeFile(join(dir, 'photo.jpg'), jpeg);
  assert.ok(jpeg.length > 1 << 16, `the JPEG takes the large-file path (${jpeg.length} bytes)`);
  assert.deepEqual(await reasons(['long.png', 'photo.jpg', 'wide.png', 'zeros.png'], 50_000), {
    'long.png': 'file is 1610612736 bytes, more than the 200000 read for an image of at most 50000 pixels (--max-pixels)',
    'photo.jpg': 'image is 300 x 300 pixels, more than the 50000 allowed (--max-pixels)',
    'wide.png': 'image is 30000 x 30000 pixels, more than the 50000 allowed (--max-pixels)',
    'zeros.png': 'Input buffer contains unsupported image format',
  });
  // The default limits let the JPEG through.
  assert.deepEqual(await reasons(['photo.jpg']), {});
});

test('sharp holds at most 64 MiB of file bytes per thread, or one larger file alone', async () => {
  // Four 30x30 PNGs (sharp's path: not the model's size), each padded to 200 MiB with a hole
  // after IEND. Read all at once, they would take 800 MiB.
  const png = encodeGrayPng(new Uint8Array(30 * 30).fill(9), 30, 30);
  const paths = ['a.png', 'b.png', 'c.png', 'd.png'];
  for (const p of paths) await sparseFile(join(dir, p), png, 200 * 2 ** 20);
  const script = `
    import { decodeBatch } from '@aae-map/shared/decode';
    const r = await decodeBatch({ root: ${JSON.stringify(dir)}, paths: ${JSON.stringify(paths)}, width: 28, height: 28 });
    console.log(JSON.stringify({ ok: r.ok, failed: r.failed, maxRssMib: process.resourceUsage().maxRSS / 1024 }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  const r = JSON.parse(stdout) as { ok: number[]; failed: unknown[]; maxRssMib: number };
  assert.deepEqual([r.ok, r.failed], [[0, 1, 2, 3], []]);
  // About 500 MiB here (a decoded file's bytes wait for the garbage collector), 900 when all four were held.
  assert.ok(r.maxRssMib < 800, `peak RSS ${r.maxRssMib.toFixed(0)} MiB`);
});
