/**
 * Lists a labelled image folder (train's --data, evaluate's --data): every image with its class,
 * byte size and modification time. Size and time stand for a file's content in train's decode
 * cache (packages/train/src/data/folder-cache.ts), so checking the cache costs a stat per file,
 * not a decode. The shared walk's sorted order makes image indices, and so seeded splits, the
 * same on every run.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UserError } from '../cli/user-error.ts';
import { fsPath, walkImages } from './image-walk.ts';

/** Subfolders whose images have no label, like files at the top of the folder. */
export const UNLABELLED_FOLDERS: readonly string[] = ['unlabeled', 'unlabelled'];

export interface ListedFile {
  /** Relative to the folder, '/'-separated, in text form (shared's path-encoding.ts). */
  path: string;
  size: number;
  mtimeMs: number;
  /** Index into the listing's classNames, or -1 (unlabelled). */
  label: number;
}

export interface FolderListing {
  root: string;
  /** Class subfolders that hold at least one image file, in walk (code-unit) order. */
  classNames: string[];
  files: ListedFile[];
  /** Files without an image extension, left alone. */
  ignored: number;
  /** Folders or links the walk could not read. */
  unreadable: { path: string; reason: string }[];
}

/** The class of a '/'-separated path: its top folder, unless at the top or in an unlabelled folder. */
function classFolder(path: string): string | undefined {
  const slash = path.indexOf('/');
  const top = slash < 0 ? undefined : path.slice(0, slash);
  return top === undefined || UNLABELLED_FOLDERS.includes(top) ? undefined : top;
}

/** Lists `root`; `flag` names the option in errors. Throws a UserError when it holds no image files. */
export async function listImageFolder(root: string, flag: string): Promise<FolderListing> {
  const s = await stat(root).catch(() => undefined);
  if (!s?.isDirectory())
    throw new UserError(
      `${flag} ${root} ${s ? 'is not a folder' : 'does not exist'}; give a folder of images with one subfolder per class`,
    );
  const listing: FolderListing = { root, classNames: [], files: [], ignored: 0, unreadable: [] };
  const classIndex = new Map<string, number>();
  for await (const e of walkImages(root)) {
    if (e.kind === 'ignored') listing.ignored++;
    if (e.kind === 'error') listing.unreadable.push({ path: e.path, reason: e.reason });
    if (e.kind !== 'image') continue;
    let st: Stats;
    try {
      st = await stat(fsPath(root, e.path));
    } catch (err) {
      listing.unreadable.push({ path: e.path, reason: `cannot stat (${(err as NodeJS.ErrnoException).code ?? err})` });
      continue;
    }
    const name = classFolder(e.path);
    let label = -1;
    if (name !== undefined) {
      if (!classIndex.has(name)) classIndex.set(name, classIndex.size);
      label = classIndex.get(name)!;
    }
    listing.files.push({ path: e.path, size: st.size, mtimeMs: st.mtimeMs, label });
  }
  listing.classNames = [...classIndex.keys()];
  if (listing.files.length === 0) {
    throw new UserError(
      `${flag} ${root} holds no images (png, jpg, webp, gif, tiff); put them in one subfolder per class, or at its top for unlabelled training`,
    );
  }
  return listing;
}
