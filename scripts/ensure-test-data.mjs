#!/usr/bin/env node
/**
 * `pnpm test`'s step that fetches the real data sets some tests read, which npm has no package
 * for, from Debian's packages into .cache/<set>/ (ignored by git):
 * - photos: four of scikit-image's sample images (astronaut: Eileen Collins, chelsea: a cat,
 *   coffee: a cup, ihc: a stained tissue slide; public domain or CC0, as skimage/data/_fetchers.py
 *   says), from python3-skimage, for the colour tests;
 * - fashion-mnist: Fashion-MNIST as its four gzipped IDX files, from dataset-fashion-mnist, for
 *   the IDX-set tests;
 * - sklearn: scikit-learn's digits (1,797 8×8 digits as 64 features) and iris (150 flowers, 4
 *   features), from python3-sklearn, for the feature-vector tests.
 * Each set is copied from the system when its package is installed, else from the package file
 * alone, which `apt-get download` fetches without installing it or its dependencies.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = join(fileURLToPath(new URL('..', import.meta.url)), '.cache');
const SETS = [
  {
    name: 'photos',
    pkg: 'python3-skimage',
    dir: 'usr/lib/python3/dist-packages/skimage/data',
    files: ['astronaut.png', 'chelsea.png', 'coffee.png', 'ihc.png'],
    for: 'the colour tests',
  },
  {
    name: 'fashion-mnist',
    pkg: 'dataset-fashion-mnist',
    dir: 'usr/share/datasets/fashion-mnist',
    files: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
    for: 'the IDX-set tests',
  },
  {
    name: 'sklearn',
    pkg: 'python3-sklearn',
    dir: 'usr/lib/python3/dist-packages/sklearn/datasets/data',
    files: ['digits.csv.gz', 'iris.csv'],
    for: 'the feature-vector tests',
  },
];

const run = (cmd, args, cwd) =>
  spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });

function fail(set, why) {
  const how = `install them with \`apt-get install ${set.pkg}\` (or put ${set.files.join(', ')} in .cache/${set.name}/)`;
  process.stderr.write(`error: ${set.for} need ${set.files.join(', ')} from Debian's ${set.pkg}: ${why}; ${how}\n`);
  process.exit(2);
}

const has = (dir, set) => set.files.every((f) => existsSync(join(dir, f)));

function copyFrom(dir, set) {
  mkdirSync(join(CACHE, set.name), { recursive: true });
  for (const f of set.files) copyFileSync(join(dir, f), join(CACHE, set.name, f));
}

/** The package file, downloaded into `tmp`; an image whose package lists were never fetched needs an update first. */
function download(tmp, pkg) {
  if (run('apt-get', ['download', '-qq', pkg], tmp).status === 0) return true;
  if (process.getuid?.() !== 0 || run('apt-get', ['update', '-qq']).status !== 0) return false;
  return run('apt-get', ['download', '-qq', pkg], tmp).status === 0;
}

function fetchSet(set) {
  if (has(join('/', set.dir), set)) return copyFrom(join('/', set.dir), set);
  if (run('apt-get', ['--version']).status !== 0) fail(set, 'this system has no apt-get to fetch them');
  const tmp = mkdtempSync(join(tmpdir(), 'aae-test-data-'));
  try {
    process.stdout.write(`fetching ${set.files.join(', ')} for ${set.for} (apt-get download ${set.pkg}) ...\n`);
    if (!download(tmp, set.pkg)) fail(set, `\`apt-get download ${set.pkg}\` failed`);
    const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb || run('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'x')]).status !== 0) fail(set, `could not unpack ${deb ?? 'the package'}`);
    if (!has(join(tmp, 'x', set.dir), set)) fail(set, `${deb} lacks some of them`);
    copyFrom(join(tmp, 'x', set.dir), set);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

for (const set of SETS) if (!has(join(CACHE, set.name), set)) fetchSet(set);
