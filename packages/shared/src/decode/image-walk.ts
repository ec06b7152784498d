/**
 * Streams the image files under a folder in a stable order: each directory's entries are
 * sorted by UTF-16 code units and subfolders are entered lazily (depth first), so only the
 * names of the directories on the current path are held, never the whole tree.
 *
 * That order is the lexicographic order of the paths' segment lists, which `comparePaths`
 * (image-paths.ts) computes; embed's --resume relies on it. Paths are in their text form
 * (path-encoding.ts), which is what is sorted: names that are not valid UTF-8 are escaped.
 *
 * Every entry with an image extension is yielded as an image or an error: a FIFO, socket or
 * device is 'not a regular file', never opened (opening a FIFO blocks until a writer comes).
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { decodeNameBytes, encodeName, encodeNameBytes } from '../contracts/path-encoding.ts';
import { isImageName } from './image-paths.ts';

/** What the walk finds: an image file, a file it ignores, or an entry it cannot use (with why). */
export type WalkEntry =
  | { kind: 'image'; path: string }
  | { kind: 'ignored'; path: string }
  | { kind: 'error'; path: string; reason: string };

/**
 * Runs are cut at this length too, so that the first images of a large folder reach a
 * consumer before the rest of its entries are looked at (a new decode worker walks them cold).
 */
const MAX_RUN = 256;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const reasonOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Where a walk path (relative to `root`, in text form) is on disk: a Buffer when the path holds
 * escapes (a name that is not UTF-8), else a plain string, as fast as a concatenation.
 */
export function fsPath(root: string, rel: string): string | Buffer {
  if (rel === '') return root;
  // An absolute path (a line of embed's --input-list) stands alone; a walk's paths never start with '/'.
  const dir = rel.startsWith('/') ? '' : root.endsWith(sep) ? root : root + sep;
  const bytes = rel.indexOf('%') < 0 ? undefined : decodeNameBytes(rel);
  return bytes ? Buffer.concat([Buffer.from(dir), bytes]) : dir + rel;
}

/**
 * A directory's entries under their text-form names, sorted. Node reads a name that is not
 * UTF-8 with U+FFFD in it, so only a directory with a U+FFFD is read again as bytes: reading
 * every directory so cost about 1 µs a file, more than the rest of the walk.
 */
async function listDir(dir: string | Buffer): Promise<Dirent[]> {
  let list = await readdir(dir, { withFileTypes: true });
  if (list.some((d) => d.name.includes('\uFFFD'))) {
    const raw = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    // A Dirent's type is not derived from its name, so the name can be swapped for its text form.
    list = raw.map((d) => Object.assign(d, { name: encodeNameBytes(d.name) }) as unknown as Dirent);
  } else {
    for (const d of list) if (d.name.includes('%')) d.name = encodeName(d.name);
  }
  return list.sort((a, b) => byCodeUnits(a.name, b.name));
}

/** What an entry is, from its Dirent or, through a symlink, its target's Stats. */
export function fileTypeOf(e: Dirent | Stats): string {
  if (e.isFile()) return 'file';
  if (e.isDirectory()) return 'folder';
  if (e.isFIFO()) return 'fifo';
  if (e.isSocket()) return 'socket';
  if (e.isCharacterDevice()) return 'character device';
  return e.isBlockDevice() ? 'block device' : 'unknown type';
}

/**
 * Symlinks are followed to files; symlinked directories are not entered, so cycles cannot occur.
 * The full path is made only for a symlink: a join per file was ~10 ms of a 20,000-file embed.
 */
function typeOfEntry(dirent: Dirent, root: string, path: string): string | Promise<string> {
  if (dirent.isFile()) return 'file';
  if (!dirent.isSymbolicLink()) return fileTypeOf(dirent);
  return stat(fsPath(root, path)).then(fileTypeOf);
}

/** The entry for a non-directory of type `type`; undefined for a link to a folder without an image extension. */
function entryFor(type: string, path: string, image: boolean): WalkEntry | undefined {
  if (type === 'file') return image ? { kind: 'image', path } : { kind: 'ignored', path };
  if (image)
    return {
      kind: 'error',
      path,
      reason: type === 'folder' ? 'not a regular file (a link to a folder, which the walk does not enter)' : `not a regular file (${type})`,
    };
  return type === 'folder' ? undefined : { kind: 'ignored', path };
}

/**
 * Yields every entry under `root` in walk order, paths relative to `root` with '/' separators.
 * With `after`, entries that sort at or before it are skipped without being listed: whole
 * subtrees before it are never opened.
 */
export async function* walkImages(root: string, after?: string): AsyncGenerator<WalkEntry> {
  for await (const run of walkImageRuns(root, after)) yield* run;
}

/**
 * The same entries as walkImages, in the same order, as arrays: each the files of one directory
 * between two of its subfolders, at most MAX_RUN of them. A consumer that loops over arrays pays
 * one await per array, not one per file, which is most of a walk's cost on folders of small images.
 */
export async function* walkImageRuns(root: string, after?: string): AsyncGenerator<WalkEntry[]> {
  yield* walkDir(root, '', after === undefined ? undefined : after.split('/'));
}

async function* walkDir(root: string, rel: string, after: string[] | undefined): AsyncGenerator<WalkEntry[]> {
  let names: Dirent[];
  try {
    names = await listDir(fsPath(root, rel));
  } catch (err) {
    yield [{ kind: 'error', path: rel, reason: `cannot read directory (${reasonOf(err)})` }];
    return;
  }
  const head = after?.[0];
  let run: WalkEntry[] = [];
  for (const d of names) {
    // `after` only constrains entries on its own branch; later siblings are unconstrained.
    if (head !== undefined && d.name < head) continue; // code-unit order, as the sort above
    const onBranch = head !== undefined && d.name === head;
    const path = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) {
      if (run.length > 0) yield run;
      run = [];
      yield* walkDir(root, path, onBranch ? after!.slice(1) : undefined);
      continue;
    }
    // The resume point itself is done; a file it goes inside (a tar's member) is yielded, for its reader to go on.
    if (onBranch && after!.length === 1) continue;
    let type: string | Promise<string>;
    try {
      type = typeOfEntry(d, root, path);
      if (typeof type !== 'string') type = await type;
    } catch (err) {
      run.push({ kind: 'error', path, reason: `cannot stat (${reasonOf(err)})` });
      continue;
    }
    const entry = entryFor(type, path, isImageName(d.name));
    if (entry) run.push(entry);
    if (run.length === MAX_RUN) {
      yield run;
      run = [];
    }
  }
  if (run.length > 0) yield run;
}
