/**
 * `pnpm bench:startup`: how long a command takes to start, the whole process timed from outside
 * (median of alternating rounds): `embed --help`, and `embed` on one 28x28 PNG with a model of
 * the default size (784-1000-1000, 7 MB), each from the build (packages/infer/dist) and from the
 * TypeScript sources through tsx (AAE_FROM=src, what every start cost before the build). The
 * baseline of the same run is node itself starting and exiting (`node -e 0`), the floor for any
 * command. The load average is printed too: other work on the machine lengthens every row.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { integer } from '@aae-map/shared/cli';
import { makeModel } from '../../../test/embed-helpers.ts';
import { writeSampleImages } from '../src/sample-images.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } });
const rounds = integer(values.rounds);
const BIN = fileURLToPath(new URL('../bin/embed.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(build.stderr);

const dir = await mkdtemp(join(tmpdir(), 'aae-startup-'));
const model = await makeModel(dir, { hidden: [1000, 1000] });
await writeSampleImages(join(dir, 'one'), 1);

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
}
const out = join(dir, 'points.csv');
const embedOne = ['--model', model, '--input', join(dir, 'one'), '--out', out, '--overwrite'];
const cases: Case[] = [
  { name: 'node -e 0 (baseline)', args: ['-e', '0'] },
  { name: 'embed --help, build', args: [BIN, '--help'], env: { AAE_FROM: 'dist' } },
  { name: 'embed --help, sources', args: [BIN, '--help'], env: { AAE_FROM: 'src' } },
  { name: 'embed one image, build', args: [BIN, ...embedOne], env: { AAE_FROM: 'dist' } },
  { name: 'embed one image, sources', args: [BIN, ...embedOne], env: { AAE_FROM: 'src' } },
];

/** Wall seconds of one run, spawn to exit. */
function once(c: Case): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, { encoding: 'utf8', env: { ...process.env, ...c.env } });
  if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const walls = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) for (const c of cases) walls.get(c.name)!.push(once(c));
await rm(dir, { recursive: true, force: true });

const base = median(walls.get(cases[0]!.name)!);
console.log(`start-up, median of ${rounds} alternating rounds; load average ${loadavg()[0]!.toFixed(2)} on this machine`);
for (const c of cases) {
  const m = median(walls.get(c.name)!);
  console.log(`${c.name.padEnd(28)} ${(m * 1000).toFixed(0).padStart(6)} ms   ${(m / base).toFixed(1).padStart(5)}x node's own start`);
}
