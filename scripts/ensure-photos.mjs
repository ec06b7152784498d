#!/usr/bin/env node
/**
 * `pnpm test`'s step that fetches the real colour photographs the RGB tests cut patches from:
 * four of scikit-image's sample images (astronaut: Eileen Collins, chelsea: a cat, coffee: a cup,
 * ihc: a stained tissue slide; public domain or CC0, as skimage/data/_fetchers.py says), from
 * Debian's python3-skimage.
 * npm has no set of colour photos. They are copied into .cache/photos/ (ignored by git): from
 * the system's scikit-image when it is installed, else from the package file alone, which
 * `apt-get download` fetches without installing it or its dependencies (~21 MB).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEST = join(ROOT, '.cache', 'photos');
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'ihc.png'];
const DATA = 'usr/lib/python3/dist-packages/skimage/data';
const HOW =
  'install them with `apt-get install python3-skimage` (or put astronaut.png, chelsea.png, coffee.png and ihc.png from scikit-image in .cache/photos/)';

function fail(why) {
  process.stderr.write(`error: the colour tests need scikit-image's sample photos: ${why}; ${HOW}\n`);
  process.exit(2);
}

const run = (cmd, args, cwd) =>
  spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });

function copyFrom(dir) {
  mkdirSync(DEST, { recursive: true });
  for (const f of PHOTOS) copyFileSync(join(dir, f), join(DEST, f));
}

/** The package file, downloaded into `tmp`; an image whose package lists were never fetched needs an update first. */
function download(tmp) {
  if (run('apt-get', ['download', '-qq', 'python3-skimage'], tmp).status === 0) return true;
  if (process.getuid?.() !== 0 || run('apt-get', ['update', '-qq']).status !== 0) return false;
  return run('apt-get', ['download', '-qq', 'python3-skimage'], tmp).status === 0;
}

if (!PHOTOS.every((f) => existsSync(join(DEST, f)))) {
  const system = join('/', DATA);
  if (PHOTOS.every((f) => existsSync(join(system, f)))) copyFrom(system);
  else {
    if (run('apt-get', ['--version']).status !== 0) fail('this system has no apt-get to fetch them');
    const tmp = mkdtempSync(join(tmpdir(), 'aae-photos-'));
    try {
      process.stdout.write("fetching scikit-image's sample photos for the colour tests (apt-get download python3-skimage) ...\n");
      if (!download(tmp)) fail('`apt-get download python3-skimage` failed');
      const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
      if (!deb || run('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'x')]).status !== 0) fail(`could not unpack ${deb ?? 'the package'}`);
      if (!PHOTOS.every((f) => existsSync(join(tmp, 'x', DATA, f)))) fail(`${deb} lacks some of ${PHOTOS.join(', ')}`);
      copyFrom(join(tmp, 'x', DATA));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
