#!/usr/bin/env node
/**
 * `pnpm test`'s first step: the browser and WebGPU tests drive Debian's Chromium (and its
 * SwiftShader Vulkan driver), which npm cannot install. As root, install it with apt-get;
 * otherwise stop at once with the one command that does it, rather than failing tests later.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get install -y chromium';

function apt(args) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function fail(why) {
  process.stderr.write(`error: the browser tests need Debian's Chromium (${CHROMIUM}): ${why}\n`);
  process.exit(2);
}

if (!existsSync(CHROMIUM)) {
  const root = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasApt)
    fail(`this system has no apt-get; install Chromium with your package manager so that ${CHROMIUM} exists, then run pnpm test again`);
  if (!root) fail(`run \`sudo apt-get update && sudo ${INSTALL}\`, then pnpm test again`);
  process.stdout.write(`installing Debian's chromium for the browser tests (${INSTALL}) ...\n`);
  // An image whose package lists were never fetched knows no chromium package: update once, then retry.
  if (!apt(['install', '-y', '-qq', 'chromium']) && !(apt(['update', '-qq']) && apt(['install', '-y', '-qq', 'chromium']))) {
    fail(`\`apt-get update && ${INSTALL}\` failed; run it by hand to see why`);
  }
  if (!existsSync(CHROMIUM)) fail(`apt-get installed chromium but ${CHROMIUM} is still missing`);
}
