/**
 * Turns what the user gives (dropped files and folders, or a file input) into image files with
 * paths in `embed`'s form: '/'-separated, relative to the folder that was dropped, in the CLI's
 * walk order, so that the downloaded CSV lists them as `embed --input <that folder>` would.
 */
import { comparePaths, encodeName, isImageName, isTarName } from './shared.ts';

export interface PathedFile {
  file: File;
  /** Relative path as given, e.g. 'images/3/00018.png' for a dropped folder 'images'. */
  path: string;
}

export interface ImageList {
  /** Images and tar shards of them (tar-shards.ts), in walk order. */
  images: PathedFile[];
  /** Files without an image extension, left out (embed ignores them too), paths in the images' form. */
  ignored: string[];
}

function readAllEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries returns at most ~100 entries per call; an empty batch means done.
  return new Promise((done, fail) => {
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return done(all);
        all.push(...batch);
        next();
      }, fail);
    next();
  });
}

async function walkEntry(entry: FileSystemEntry, out: PathedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((done, fail) => (entry as FileSystemFileEntry).file(done, fail));
    out.push({ file, path: entry.fullPath.replace(/^\/+/, '') });
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await walkEntry(child, out);
  }
}

/**
 * Everything in a drop, folders walked recursively. Must be called inside the drop event: the
 * browser empties `items` once the handler returns, so entries are taken before any await.
 */
export async function filesFromDrop(dt: DataTransfer): Promise<PathedFile[]> {
  const entries = Array.from(dt.items)
    .map((item) => item.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Array.from(dt.files, (file) => ({ file, path: file.name }));
  const out: PathedFile[] = [];
  for (const e of entries) await walkEntry(e, out);
  return out;
}

/** Files from an <input type=file>, with the folder path when it is a folder picker. */
export function filesFromInput(list: FileList): PathedFile[] {
  return Array.from(list, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

const embeddable = (path: string) => isImageName(path) || isTarName(path);

/** Keeps the images and tar shards, strips the dropped folder's own name, and sorts in the CLI's walk order. */
export function imageList(files: PathedFile[]): ImageList {
  const images = files.filter((f) => embeddable(f.path));
  const first = images[0]?.path.split('/')[0];
  const oneFolder = first !== undefined && images.every((f) => f.path.includes('/') && f.path.split('/')[0] === first);
  // In embed's text form, so that names with a '%' before two hex digits are written as embed writes them.
  const strip = (path: string) => encodeName(oneFolder && path.startsWith(`${first}/`) ? path.slice(first.length + 1) : path);
  const stripped = images.map((f) => ({ file: f.file, path: strip(f.path) }));
  stripped.sort((a, b) => comparePaths(a.path, b.path));
  const ignored = files.filter((f) => !embeddable(f.path)).map((f) => strip(f.path));
  return { images: stripped, ignored: ignored.sort(comparePaths) };
}
