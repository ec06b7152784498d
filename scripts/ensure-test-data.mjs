#!/usr/bin/env node
/**
 * `pnpm test`'s data step: the tests of IDX sets and feature vectors read real data sets that
 * Debian packages install, which npm cannot: Fashion-MNIST (dataset-fashion-mnist, gzipped IDX
 * files) and scikit-learn's bundled digits and iris CSVs (python3-sklearn). As root, install the
 * missing ones with apt-get; otherwise stop at once with the command that does it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  ['dataset-fashion-mnist', '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'],
  ['python3-sklearn', '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz'],
];

const missing = NEEDED.filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
if (missing.length > 0) {
  const install = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  const apt = (args) =>
    spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
      .status === 0;
  const fail = (why) => {
    process.stderr.write(`error: the data-set tests need Debian's ${missing.join(' and ')}: ${why}\n`);
    process.exit(2);
  };
  if (process.getuid?.() !== 0) fail(`run \`sudo apt-get update && sudo ${install}\`, then pnpm test again`);
  process.stdout.write(`installing the test data sets (${install}) ...\n`);
  const args = ['install', '-y', '-qq', '--no-install-recommends', ...missing];
  // An image whose package lists were never fetched knows none of them: update once, then retry.
  if (!apt(args) && !(apt(['update', '-qq']) && apt(args))) fail(`\`apt-get update && ${install}\` failed; run it by hand to see why`);
  const still = NEEDED.filter(([, file]) => !existsSync(file)).map(([, file]) => file);
  if (still.length > 0) fail(`apt-get ran but ${still.join(', ')} is still missing`);
}
