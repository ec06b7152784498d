import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST, UserError } from '@aae-map/shared';

/**
 * The run directory under `runsDir` whose manifest.json was written last. The manifest is a
 * checkpoint's commit point, so its mtime is when the run last saved a complete epoch.
 * @param runsDir where runs live, relative to the working directory. @default 'runs'
 */
export async function latestRun(runsDir = 'runs'): Promise<string> {
  const hint = `train a model first (pnpm train) or pass --run DIR`;
  if (!existsSync(runsDir)) throw new UserError(`no ${runsDir}/ directory here; ${hint}`);
  let best: { dir: string; mtime: number } | undefined;
  for (const entry of await readdir(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(runsDir, entry.name);
    const manifest = join(dir, MANIFEST);
    if (!existsSync(manifest)) continue;
    const mtime = (await stat(manifest)).mtimeMs;
    if (!best || mtime > best.mtime) best = { dir, mtime };
  }
  if (!best) throw new UserError(`no checkpoint (a directory with ${MANIFEST}) under ${runsDir}/; ${hint}`);
  return best.dir;
}
