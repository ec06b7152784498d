/**
 * Memory while reading a folder follows the decoded dataset (N·H·W bytes), not the files: 300
 * JPEGs of 2000×2000 (about 230 MB on disk, 3.6 GB if decoded at full size) are read in a child
 * process, whose resident memory may grow by at most 128 MiB over its size after a warm-up load.
 * Reading every file first, or decoding at full size, would pass that bound many times over;
 * decoding a file at a time (with JPEG shrink-on-load) measured about 40 MB here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const FILES = 300;
const SIDE = 2000;
const DISTINCT = 10;
const BOUND = 128 * 2 ** 20;

const root = await mkdtemp(join(tmpdir(), 'aae-folder-memory-'));
after(() => rm(root, { recursive: true, force: true }));

/** A colour gradient with seeded noise (so JPEG cannot compress it to nothing), hue-shifted per file. */
async function writeLargeJpegs(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const raw = Buffer.alloc(SIDE * SIDE * 3);
  let s = 1;
  for (let p = 0; p < SIDE * SIDE; p++) {
    const x = p % SIDE;
    const y = Math.floor(p / SIDE);
    for (let c = 0; c < 3; c++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      raw[3 * p + c] = ((x + y + c * 300) >> 4) + ((s >>> 24) & 15);
    }
  }
  for (let k = 0; k < DISTINCT; k++) {
    await sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } })
      .modulate({ hue: k * 30 })
      .jpeg({ quality: 90 })
      .toFile(join(dir, `src${k}.jpg`));
  }
  // Copies keep the setup fast; every file is still read and decoded on its own.
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const file = join(dir, 'images', `${String(i).padStart(3, '0')}.jpg`);
    if (i === 0) await mkdir(join(dir, 'images'));
    await copyFile(join(dir, `src${i % DISTINCT}.jpg`), file);
    bytes += (await stat(file)).size;
  }
  return bytes;
}

test(`reading ${FILES} JPEGs of ${SIDE}×${SIDE} grows resident memory by under 128 MiB`, async (t) => {
  const bytes = await writeLargeJpegs(join(root, 'big'));
  await mkdir(join(root, 'warm', 'a'), { recursive: true });
  await copyFile(join(root, 'big', 'src0.jpg'), join(root, 'warm', 'a', 'one.jpg'));
  const child = fileURLToPath(new URL('./folder-memory-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, join(root, 'big', 'images'), join(root, 'warm'), join(root, 'cache')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { growth: number; decoded: number; pixelBytes: number; seconds: number };
  t.diagnostic(
    `files ${(bytes / 1e6).toFixed(0)} MB; RSS growth ${(m.growth / 2 ** 20).toFixed(1)} MiB; decoded ${m.decoded} in ${m.seconds.toFixed(1)} s`,
  );
  assert.equal(m.decoded, FILES);
  assert.equal(m.pixelBytes, FILES * 28 * 28);
  assert.ok(bytes > 1.5 * BOUND, `the files (${bytes} bytes) must outweigh the bound for the test to mean anything`);
  assert.ok(m.growth < BOUND, `RSS grew by ${(m.growth / 2 ** 20).toFixed(1)} MiB`);
});
