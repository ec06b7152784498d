#!/usr/bin/env node
/**
 * `pnpm test`'s first step: Debian packages that npm cannot install.
 * - Chromium (and its SwiftShader Vulkan driver): the browser and WebGPU tests drive it.
 * - OpenBLAS: training's products run in it where it is installed, and its tests need it.
 * As root, install what is missing with apt-get; otherwise stop at once with the one command that
 * does it, rather than failing tests later.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES = [
  { name: 'chromium', why: "the browser tests need Debian's Chromium (/usr/bin/chromium)", present: () => existsSync('/usr/bin/chromium') },
  {
    name: 'libopenblas0-pthread',
    why: 'the training tests need OpenBLAS (libopenblas.so.0)',
    present: () => Boolean(process.env.AAE_BLAS_LIBRARY) || /libopenblas\.so\.0\b/.test(loaderCache()),
  },
];

/** The dynamic loader's list of libraries (ldconfig lives in /sbin, which a user's PATH may lack). */
const loaderCache = () =>
  spawnSync(existsSync('/sbin/ldconfig') ? '/sbin/ldconfig' : 'ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';

function apt(args) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function fail(why) {
  process.stderr.write(`error: ${why}\n`);
  process.exit(2);
}

const missing = PACKAGES.filter((p) => !p.present());
if (missing.length > 0) {
  const names = missing.map((p) => p.name).join(' ');
  const why = missing.map((p) => p.why).join(', and ');
  const install = `apt-get install -y ${names}`;
  const root = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasApt) fail(`${why}; this system has no apt-get: install ${names} with your package manager, then run pnpm test again`);
  if (!root) fail(`${why}: run \`sudo apt-get update && sudo ${install}\`, then pnpm test again`);
  process.stdout.write(`installing what the tests need (${install}) ...\n`);
  // An image whose package lists were never fetched knows none of them: update once, then retry.
  const args = ['install', '-y', '-qq', ...missing.map((p) => p.name)];
  if (!apt(args) && !(apt(['update', '-qq']) && apt(args)))
    fail(`${why}: \`apt-get update && ${install}\` failed; run it by hand to see why`);
  const still = missing.filter((p) => !p.present());
  if (still.length > 0) fail(`apt-get installed ${names}, but ${still.map((p) => p.why).join(', and ')} and it is still missing`);
}
