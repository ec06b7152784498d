/**
 * The directory walk: sorted depth-first order equal to comparePaths' order, resume points
 * that skip exactly what sorts at or before them, laziness (later folders are read only when
 * reached), ignored files and broken links.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { comparePaths, type WalkEntry, walkImageRuns, walkImages } from '@aae-map/shared';

let root: string;
// Names chosen so that per-segment order differs from plain string order: 'a' < 'a b' < 'a.png'
// as segments, while the full path 'a/x.png' sorts after 'a.png' as a string.
const FILES = ['a/x.png', 'a/y/z.JPG', 'a b/q.webp', 'a.png', 'B.gif', 'b/ü 1.tiff', 'b/数字.png', 'c.jpeg', 'c.tif', 'notes.txt', 'b/.hidden', 'zz/deep/er/e.png'];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'infer-walk-'));
  for (const f of FILES) {
    await mkdir(join(root, f, '..'), { recursive: true });
    await writeFile(join(root, f), 'x');
  }
  await mkdir(join(root, 'empty'));
  await symlink(join(root, 'nowhere.png'), join(root, 'broken.png'));
  await symlink(join(root, 'a'), join(root, 'link-to-a'));
  await symlink(join(root, 'c.jpeg'), join(root, 'link-to-c.png'));
});
after(() => rm(root, { recursive: true, force: true }));

async function collect(after?: string): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of walkImages(root, after)) out.push(e);
  return out;
}

test('yields images in comparePaths order, ignores other files, reports broken links, follows file links only', async () => {
  const entries = await collect();
  const images = entries.filter((e) => e.kind === 'image').map((e) => e.path);
  assert.deepEqual(images, ['B.gif', 'a/x.png', 'a/y/z.JPG', 'a b/q.webp', 'a.png', 'b/ü 1.tiff', 'b/数字.png', 'c.jpeg', 'c.tif', 'link-to-c.png', 'zz/deep/er/e.png']);
  assert.deepEqual([...images].sort(comparePaths), images, 'walk order is comparePaths order');
  assert.deepEqual(entries.filter((e) => e.kind === 'ignored').map((e) => e.path), ['b/.hidden', 'notes.txt']);
  const errors = entries.filter((e) => e.kind === 'error');
  assert.deepEqual(errors.map((e) => [e.path, e.kind === 'error' && e.reason]), [['broken.png', 'cannot stat (ENOENT)']]);
  assert.ok(!entries.some((e) => e.path.startsWith('link-to-a')), 'symlinked directories are not entered');
});

test('resuming after any path yields exactly the entries that sort after it', async () => {
  const all = await collect();
  for (let i = 0; i < all.length; i++) {
    const rest = await collect(all[i]!.path);
    assert.deepEqual(rest, all.slice(i + 1), `after ${all[i]!.path}`);
  }
  // A resume point that no longer exists still splits the order in the same place.
  assert.deepEqual((await collect('a/y')).map((e) => e.path), all.filter((e) => comparePaths(e.path, 'a/y') > 0).map((e) => e.path));
  assert.deepEqual(await collect('zzz'), []);
});

test('walkImageRuns gives the same entries in the same order, in runs of one directory each', async () => {
  const all = await collect();
  for (const from of [undefined, ...all.map((e) => e.path)]) {
    const runs: WalkEntry[][] = [];
    for await (const run of walkImageRuns(root, from)) runs.push(run);
    assert.deepEqual(runs.flat(), from === undefined ? all : all.slice(all.findIndex((e) => e.path === from) + 1), `after ${from}`);
    for (const run of runs) {
      assert.ok(run.length > 0, 'no empty runs');
      const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/') + 1);
      assert.ok(run.every((e) => dirOf(e.path) === dirOf(run[0]!.path)), `one directory per run: ${run.map((e) => e.path)}`);
    }
  }
});

test('walkImageRuns cuts a large folder into runs of at most 256, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infer-walk-runs-'));
  try {
    for (let i = 0; i < 600; i++) await writeFile(join(dir, `${String(i).padStart(3, '0')}.png`), 'x');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'a.png'), 'x');
    const runs: WalkEntry[][] = [];
    for await (const run of walkImageRuns(dir)) runs.push(run);
    assert.deepEqual(runs.map((r) => r.length), [256, 256, 88, 1]);
    const one: WalkEntry[] = [];
    for await (const e of walkImages(dir)) one.push(e);
    assert.deepEqual(runs.flat(), one);
    assert.deepEqual(one.slice(0, 2).map((e) => e.path), ['000.png', '001.png']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the walk is lazy: a folder is read only when the walk reaches it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infer-walk-lazy-'));
  try {
    for (const d of ['1', '2']) {
      await mkdir(join(dir, d));
      await writeFile(join(dir, d, 'a.png'), 'x');
    }
    const it = walkImages(dir);
    assert.equal((await it.next()).value?.path, '1/a.png');
    // Written after the walk started: seen only if folder 2 is listed when reached, not up front.
    await writeFile(join(dir, '2', 'b.png'), 'x');
    const rest: string[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value.path);
    assert.deepEqual(rest, ['2/a.png', '2/b.png']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
