/**
 * The page's in-memory tar reader (shared's indexTar) against tar-stream, the CLI's reader, on
 * archives written by GNU tar in each of its formats: the same members, in the same order, with
 * the same names, types, sizes and bytes; and the same place to stop in a damaged archive.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { indexTar, type TarMember, tarMemberName } from '@aae-map/shared';
import { extract, type Header, pack } from 'tar-stream';

interface Seen {
  name: string;
  type: TarMember['type'];
  size: number;
  bytes: Buffer;
}

let tmp: string;
let tree: string;

/** Every member tar-stream reports, read whole, until the archive ends or it refuses to go on. */
async function referenceMembers(archive: Buffer): Promise<{ members: Seen[]; error?: string }> {
  const members: Seen[] = [];
  const x = extract({ filenameEncoding: 'latin1' } as object);
  x.end(archive);
  try {
    for await (const entry of x) {
      const h: Header = entry.header;
      const chunks: Buffer[] = [];
      const pax = (h.pax as { path?: string } | null | undefined)?.path;
      const type: TarMember['type'] =
        h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type === 'directory' ? 'directory' : 'other';
      const seen: Seen = {
        name: tarMemberName(pax, Buffer.from(h.name, 'latin1')),
        type,
        size: type === 'directory' ? 0 : h.size!,
        bytes: Buffer.alloc(0),
      };
      // Listed before its bytes are read: a member the archive cuts short is still one tar-stream reported.
      members.push(seen);
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      seen.bytes = Buffer.concat(chunks);
    }
  } catch (err) {
    return { members, error: (err as Error).message };
  }
  return { members };
}

function indexed(archive: Buffer): { members: Seen[]; error?: string } {
  const ix = indexTar(archive);
  const members = ix.members.map((m) => ({ name: m.name, type: m.type, size: m.size, bytes: archive.subarray(m.start, m.start + m.size) }));
  // A member cut short is listed with the bytes that are there, as tar-stream hands them on.
  return ix.error ? { members, error: ix.error.reason } : { members };
}

async function assertAgree(archive: Buffer, what: string): Promise<Seen[]> {
  const ref = await referenceMembers(archive);
  const got = indexed(archive);
  assert.deepEqual(
    got.members.map((m) => [m.name, m.type, m.size]),
    ref.members.map((m) => [m.name, m.type, m.size]),
    `${what}: names, types, sizes`,
  );
  got.members.forEach((m, i) => {
    if (m.type === 'file') assert.ok(m.bytes.equals(ref.members[i]!.bytes) || got.error !== undefined, `${what}: bytes of ${m.name}`);
  });
  assert.equal(got.error !== undefined, ref.error !== undefined, `${what}: both stop or neither (${got.error} / ${ref.error})`);
  return got.members;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tar-index-'));
  tree = join(tmp, 'tree');
  const deep = join(
    tree,
    'a-folder-name-long-enough-to-need-more',
    'than-the-hundred-bytes-of-a-ustar-name',
    'field-so-it-takes-a-long-name',
  );
  await mkdir(deep, { recursive: true });
  await mkdir(join(tree, 'ünïcode'));
  await writeFile(join(deep, 'digit-with-a-long-name-0001.png'), Buffer.alloc(700, 7));
  await writeFile(join(tree, 'ünïcode', 'é.png'), Buffer.alloc(513, 1));
  await writeFile(join(tree, 'empty.png'), Buffer.alloc(0));
  await writeFile(join(tree, '100%41.png'), Buffer.alloc(512, 2));
  await writeFile(join(tree, 'notes.txt'), 'not an image\n');
  // A name that is not UTF-8 (latin1 é), as old archives and other systems write them.
  await writeFile(Buffer.from(join(tree, 'caf\xe9.png'), 'latin1'), Buffer.alloc(3, 9));
  await symlink('empty.png', join(tree, 'link.png'));
});
after(async () => rm(tmp, { recursive: true, force: true }));

for (const format of ['gnu', 'oldgnu', 'pax', 'ustar']) {
  test(`indexTar agrees with tar-stream on GNU tar's ${format} format`, async () => {
    const file = join(tmp, `${format}.tar`);
    // ustar cannot hold the long names or the non-UTF-8 one: GNU tar leaves out what it cannot store.
    try {
      execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', tree, '.'], { stdio: 'pipe' });
    } catch {
      // tar exits 2 after skipping those members; the archive holds the rest
    }
    const members = await assertAgree(await readFile(file), format);
    const names = members.map((m) => m.name);
    assert.ok(names.includes('empty.png') && names.includes('notes.txt'), `${format}: ${names.join(', ')}`);
    assert.ok(names.includes('100%2541.png'), `${format}: a '%' before two hex digits is escaped`);
    if (format !== 'ustar') {
      assert.ok(
        names.some((n) => n.endsWith('field-so-it-takes-a-long-name/digit-with-a-long-name-0001.png')),
        `${format}: long name`,
      );
      // GNU tar's pax writes the raw bytes as the path, which pax defines as UTF-8: both readers decode it so.
      const latin1 = format === 'pax' ? 'caf\uFFFD.png' : 'caf%E9.png';
      assert.ok(names.includes(latin1), `${format}: a latin1 byte escaped (${names.join(', ')})`);
    }
    assert.ok(names.includes('ünïcode/é.png') || format === 'ustar', `${format}: UTF-8 names kept as text`);
    assert.deepEqual(
      members.filter((m) => m.name === 'link.png').map((m) => m.type),
      ['other'],
    );
  });
}

test('indexTar stops where tar-stream does: a member cut short, a damaged header', async () => {
  const file = join(tmp, 'cut.tar');
  execFileSync('tar', ['--format=gnu', '-cf', file, '-C', tree, '.']);
  const whole = await readFile(file);
  const ix = indexTar(whole);
  const big = ix.members.find((m) => m.size === 700)!;
  const cut = whole.subarray(0, big.start + 300);
  await assertAgree(cut, 'cut inside a member');
  const short = indexTar(cut);
  assert.equal(short.error?.cutShort?.name, big.name, 'the member cut short is named');
  const damaged = Buffer.from(whole);
  const third = ix.members[2]!;
  damaged[third.start - 512 + 10]! ^= 0xff; // inside the third header's name: its checksum no longer holds
  const got = await assertAgree(damaged, 'damaged header');
  assert.equal(got.length, 2, 'the members before the damaged header');
  assert.match(indexTar(damaged).error!.reason, /checksum/);
});

test('a size written in base 256 (GNU, for members past 8 GiB) reads as tar-stream reads it', async () => {
  const file = join(tmp, 'b256.tar');
  execFileSync('tar', ['--format=gnu', '-cf', file, '-C', tree, 'notes.txt']);
  const tar = Buffer.from(await readFile(file));
  tar.fill(0, 124, 136);
  tar[124] = 0x80;
  tar[135] = 13; // 13 bytes: "not an image\n"
  tar.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const [m] = await assertAgree(tar, 'base-256 size');
  assert.equal(m!.size, 13);
  assert.equal(m!.bytes.toString(), 'not an image\n');
});

test('a damaged pax record (no length in front) is passed over without a crash', async () => {
  const p = pack();
  p.entry({ name: 'digit.png', pax: { comment: 'x'.repeat(70_000) } }, 'png bytes');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  const tar = Buffer.concat(chunks);
  const at = 512 + '18 path=digit.png\n'.length;
  assert.equal(tar.toString('latin1', at, at + 14), '70015 comment=', 'the second pax record');
  tar.fill(0x61, at, at + 6); // its length and the space after it, gone
  assert.deepEqual(
    (await referenceMembers(tar)).members.map((m) => m.name),
    ['digit.png'],
  );
  const ix = indexTar(tar);
  assert.equal(ix.error, undefined);
  assert.deepEqual(
    ix.members.map((m) => [m.name, m.size]),
    [['digit.png', 9]],
  );
});
