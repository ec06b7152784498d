/**
 * The directory walk: sorted depth-first order equal to comparePaths' order, resume points
 * that skip exactly what sorts at or before them, laziness (later folders are read only when
 * reached), ignored files, broken links, FIFOs and devices, and names that are not UTF-8.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { comparePaths, fsPath, type WalkEntry, walkImageRuns, walkImages } from '@aae-map/shared';
import { bytePath, mkfifo } from '../../../test/fixtures/special-files.ts';

let root: string;
// Names chosen so that per-segment order differs from plain string order: 'a' < 'a b' < 'a.png'
// as segments, while the full path 'a/x.png' sorts after 'a.png' as a string.
const FILES = [
  'a/x.png',
  'a/y/z.JPG',
  'a b/q.webp',
  'a.png',
  'B.gif',
  'b/ü 1.tiff',
  'b/数字.png',
  'c.jpeg',
  'c.tif',
  'notes.txt',
  'b/.hidden',
  'zz/deep/er/e.png',
];

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
  assert.deepEqual(images, [
    'B.gif',
    'a/x.png',
    'a/y/z.JPG',
    'a b/q.webp',
    'a.png',
    'b/ü 1.tiff',
    'b/数字.png',
    'c.jpeg',
    'c.tif',
    'link-to-c.png',
    'zz/deep/er/e.png',
  ]);
  assert.deepEqual([...images].sort(comparePaths), images, 'walk order is comparePaths order');
  assert.deepEqual(
    entries.filter((e) => e.kind === 'ignored').map((e) => e.path),
    ['b/.hidden', 'notes.txt'],
  );
  const errors = entries.filter((e) => e.kind === 'error');
  assert.deepEqual(
    errors.map((e) => [e.path, e.kind === 'error' && e.reason]),
    [['broken.png', 'cannot stat (ENOENT)']],
  );
  assert.ok(!entries.some((e) => e.path.startsWith('link-to-a')), 'symlinked directories are not entered');
});

test('resuming after any path yields exactly the entries that sort after it', async () => {
  const all = await collect();
  for (let i = 0; i < all.length; i++) {
    const rest = await collect(all[i]!.path);
    assert.deepEqual(rest, all.slice(i + 1), `after ${all[i]!.path}`);
  }
  // A resume point that no longer exists still splits the order in the same place.
  assert.deepEqual(
    (await collect('a/y')).map((e) => e.path),
    all.filter((e) => comparePaths(e.path, 'a/y') > 0).map((e) => e.path),
  );
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
      assert.ok(
        run.every((e) => dirOf(e.path) === dirOf(run[0]!.path)),
        `one directory per run: ${run.map((e) => e.path)}`,
      );
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
    assert.deepEqual(
      runs.map((r) => r.length),
      [256, 256, 88, 1],
    );
    const one: WalkEntry[] = [];
    for await (const e of walkImages(dir)) one.push(e);
    assert.deepEqual(runs.flat(), one);
    assert.deepEqual(
      one.slice(0, 2).map((e) => e.path),
      ['000.png', '001.png'],
    );
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

test('every entry with an image extension is an image or an error: FIFOs, devices and folder links get a reason, unopened', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infer-walk-special-'));
  try {
    await writeFile(join(dir, 'good.png'), 'x');
    await mkdir(join(dir, 'folder'));
    await mkfifo(join(dir, 'fifo.png'), join(dir, 'fifo.txt'));
    await symlink(join(dir, 'fifo.png'), join(dir, 'link-to-fifo.jpg'));
    await symlink('/dev/null', join(dir, 'null.png'));
    await symlink(join(dir, 'folder'), join(dir, 'folder-link.png'));
    await symlink(join(dir, 'folder'), join(dir, 'folder-link'));
    await symlink(join(dir, 'gone.png'), join(dir, 'dangling.webp'));
    const entries: WalkEntry[] = [];
    for await (const e of walkImages(dir)) entries.push(e);
    const seen = entries.map((e) => [e.path, e.kind === 'error' ? e.reason : e.kind]);
    assert.deepEqual(seen, [
      ['dangling.webp', 'cannot stat (ENOENT)'],
      ['fifo.png', 'not a regular file (fifo)'],
      ['fifo.txt', 'ignored'],
      ['folder-link.png', 'not a regular file (a link to a folder, which the walk does not enter)'],
      ['good.png', 'image'],
      ['link-to-fifo.jpg', 'not a regular file (fifo)'],
      ['null.png', 'not a regular file (character device)'],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('names that are not UTF-8 are walked, each under its own text form, and found again from it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infer-walk-bytes-'));
  const at = (...parts: (string | number[])[]) => bytePath(dir, ...parts);
  try {
    await writeFile(at('caf', [0xe9], '.png'), 'e9');
    await writeFile(at('caf', [0xe8], '.png'), 'e8');
    await writeFile(at('caf%E9.png'), 'literal');
    await writeFile(at('café.png'), 'utf8');
    await mkdir(at('dir', [0xff]));
    await writeFile(at('dir', [0xff], '/inner', [0xfe], '.png'), 'inner');
    await writeFile(at('dir', [0xff], '/100%.png'), 'percent');
    const entries: WalkEntry[] = [];
    for await (const e of walkImages(dir)) entries.push(e);
    const paths = entries.map((e) => e.path);
    assert.deepEqual(paths, ['caf%25E9.png', 'caf%E8.png', 'caf%E9.png', 'café.png', 'dir%FF/100%.png', 'dir%FF/inner%FE.png']);
    assert.ok(entries.every((e) => e.kind === 'image'));
    assert.deepEqual([...paths].sort(comparePaths), paths, 'walk order is comparePaths order on the text forms');
    const contents = await Promise.all(paths.map((p) => readFile(fsPath(dir, p), 'utf8')));
    assert.deepEqual(contents, ['literal', 'e8', 'e9', 'utf8', 'percent', 'inner']);
    for (let i = 0; i < paths.length; i++) {
      const rest: string[] = [];
      for await (const e of walkImages(dir, paths[i])) rest.push(e.path);
      assert.deepEqual(rest, paths.slice(i + 1), `after ${paths[i]}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
