/**
 * Streams the image files under a folder in a stable order: each directory's entries are
 * sorted by UTF-16 code units and subfolders are entered lazily (depth first), so only the
 * names of the directories on the current path are held, never the whole tree.
 *
 * That order is the lexicographic order of the paths' segment lists, which `comparePaths`
 * (image-paths.ts) computes; embed's --resume relies on it.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isImageName } from './image-paths.ts';

/** What the walk finds: an image file, a file it ignores, or a directory it cannot read. */
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
 * Symlinks are followed to files; symlinked directories are not entered, so cycles cannot occur.
 * The full path is joined only for a symlink: a join per file was ~10 ms of a 20,000-file embed.
 */
function isFile(dirent: Dirent, root: string, path: string): boolean | Promise<boolean> {
  if (dirent.isFile()) return true;
  if (!dirent.isSymbolicLink()) return false;
  return stat(join(root, path)).then((s) => s.isFile());
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
    names = await readdir(join(root, rel), { withFileTypes: true });
  } catch (err) {
    yield [{ kind: 'error', path: rel, reason: `cannot read directory (${reasonOf(err)})` }];
    return;
  }
  names.sort((a, b) => byCodeUnits(a.name, b.name));
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
    if (onBranch) continue; // the resume point itself is done
    try {
      let file = isFile(d, root, path);
      if (typeof file !== 'boolean') file = await file;
      if (!file) continue;
    } catch (err) {
      run.push({ kind: 'error', path, reason: `cannot stat (${reasonOf(err)})` });
      continue;
    }
    run.push(isImageName(d.name) ? { kind: 'image', path } : { kind: 'ignored', path });
    if (run.length === MAX_RUN) {
      yield run;
      run = [];
    }
  }
  if (run.length > 0) yield run;
}
