/**
 * What every bin runs: the package's build (scripts/build.mjs, run by `pnpm install`) when it is
 * there and no source is newer, so that a command starts without compiling TypeScript; else the
 * TypeScript sources through tsx, which is always right, only slower to start. Plain JavaScript,
 * since nothing may be compiled before it runs. AAE_FROM=dist or AAE_FROM=src forces one of them.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function readManifest(pkgDir) {
  try {
    return JSON.parse(readFileSync(join(pkgDir, 'dist', 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the package's build, and that of each workspace package it uses, postdates all their sources. */
export function buildIsFresh(pkgDir, seen = new Set()) {
  if (seen.has(pkgDir)) return true;
  seen.add(pkgDir);
  const m = readManifest(pkgDir);
  if (!m) return false;
  for (const f of m.sources) {
    const s = statSync(join(pkgDir, f), { throwIfNoEntry: false });
    if (!s || s.mtimeMs > m.builtAt) return false;
  }
  return m.workspace.every((dir) => buildIsFresh(join(pkgDir, dir), seen));
}

/** Runs entry `name` ('cli', ...) of the package whose bin file is `binUrl`. */
export async function launch(binUrl, name) {
  const pkgDir = fileURLToPath(new URL('..', binUrl));
  const from = process.env.AAE_FROM ?? (buildIsFresh(pkgDir) ? 'dist' : 'src');
  if (from === 'dist') return import(pathToFileURL(join(pkgDir, 'dist', `${name}.js`)).href);
  const m = readManifest(pkgDir);
  const source = m?.entries[name] ?? `./src/${name}.ts`;
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(pkgDir, source)).href);
}
