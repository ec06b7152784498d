#!/usr/bin/env node
/**
 * `pnpm build` (also run by `pnpm install` and before `pnpm test`): each package's sources into
 * plain ES modules under packages/<pkg>/dist/, so that its commands start without compiling
 * TypeScript. A package's own files are bundled; other workspace packages stay separate imports of
 * their dist, and every other package stays a bare import that node resolves from the package's
 * folder, as it would from its sources. dist/build.json lists the sources, so that the launchers
 * (packages/shared/launch.mjs) run the sources through tsx when any is newer than the build.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = join(ROOT, 'packages');
// esbuild is a dependency of the packages that bundle at run time; borrow theirs.
const { build } = createRequire(join(PACKAGES, 'infer', 'package.json'))('esbuild');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Entry name → source, from the package's exports (TypeScript under src/ only) and its "build" list. */
function entriesOf(pkg) {
  const entries = {};
  for (const [key, target] of Object.entries(pkg.json.exports ?? {})) {
    if (typeof target === 'string' && target.startsWith('./src/') && target.endsWith('.ts'))
      entries[key === '.' ? 'index' : key.slice(2)] = target;
  }
  return { ...entries, ...(pkg.json.build ?? {}) };
}

const packages = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({ dir: join(PACKAGES, d.name), json: readJson(join(PACKAGES, d.name, 'package.json')) }));
const byName = new Map(packages.map((p) => [p.json.name, p]));

/** `@aae-map/shared/decode` → the built file of that export, as an import relative to `outdir`. */
function workspaceImport(spec, outdir) {
  const [scope, name, ...rest] = spec.split('/');
  const pkg = byName.get(`${scope}/${name}`);
  if (!pkg) throw new Error(`${spec}: no such workspace package`);
  const key = rest.length ? rest.join('/') : 'index';
  if (!(key in entriesOf(pkg))) throw new Error(`${spec}: not an export that is built`);
  // Through the repository's root (`../../../packages/shared/dist/…`), so the import names the package's folder.
  return `${relative(outdir, ROOT)}/${relative(ROOT, join(pkg.dir, 'dist', `${key}.js`))}`;
}

async function buildPackage(pkg) {
  const entries = entriesOf(pkg);
  if (Object.keys(entries).length === 0) return;
  const outdir = join(pkg.dir, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const imports = {
    name: 'imports',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (a) =>
        a.path.startsWith('@aae-map/') ? { path: workspaceImport(a.path, outdir), external: true } : { path: a.path, external: true },
      );
    },
  };
  const result = await build({
    absWorkingDir: pkg.dir,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, join(pkg.dir, v)])),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [imports],
    metafile: true,
    logLevel: 'warning',
  });
  const sources = Object.keys(result.metafile.inputs).map((f) => resolve(pkg.dir, f));
  const workspace = Object.keys({ ...pkg.json.dependencies, ...pkg.json.devDependencies }).filter((d) => byName.has(d));
  const manifest = {
    builtAt: Date.now(),
    entries,
    sources: sources.map((f) => relative(pkg.dir, f)),
    workspace: workspace.map((d) => relative(pkg.dir, byName.get(d).dir)),
  };
  writeFileSync(join(outdir, 'build.json'), `${JSON.stringify(manifest, null, 1)}\n`);
}

const t0 = performance.now();
await Promise.all(packages.map(buildPackage));
process.stdout.write(`built ${packages.length} packages into packages/*/dist in ${Math.round(performance.now() - t0)} ms\n`);
