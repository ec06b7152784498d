import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const tmpFor = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);

/** Writes a file so that readers see either the old content or the new, never a partial file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    // A failed write (a full disk) names no file; the CLIs' one-line message needs one.
    (err as NodeJS.ErrnoException).path ??= path;
    throw err;
  }
}

/** writeFileAtomic for callers that cannot wait (embed's worker bundle is built in a constructor). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tmpFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Replaces a whole directory atomically: `fill` writes into a sibling temp directory, which is
 * then renamed over `dir`. A crash mid-write leaves the previous `dir` intact.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
  const old = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.old`);
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    // rename() cannot replace a non-empty directory, so move the old one aside first.
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
