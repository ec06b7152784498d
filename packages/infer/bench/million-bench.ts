/**
 * `pnpm bench:million`: embed on a million files. The tree (1,000 folders of 1,000 files) is hard
 * links to the 10,000 MNIST test digits as PNGs, so it costs directory entries, not disk; it is
 * made under the system temp folder once and kept for the next run (`--remove` deletes it after).
 *
 * Both measurements run as child processes under /usr/bin/time -v, for their peak RSS: the
 * `embed` bin as a user runs it (model opening and CSV writing included), and the decode-only
 * baseline (million-decode.ts: the same workers, walk, batches and decoding, no model). The
 * target on 2 cores: embed >= 35,000 files/s with a peak RSS of at most 400 MB. Other load on
 * the machine lowers files/s, so the load average is printed beside them.
 *
 * What bounds embed on 2 cores is the model's core while the other decodes: so the bench also
 * runs the model alone (million-model.ts, embed's threads, on 300,000 images in memory), and the
 * same again while a decode-only process works through the tree beside it. With `--int8` each
 * round also runs embed and the model alone with `export --quantize int8` of the same checkpoint,
 * right after the float32 model's runs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { makeInt8Model, makeModel } from '../../../test/embed-helpers.ts';
import { writeSampleImages } from '../src/sample-images.ts';

const opts = new Command('bench:million')
  .option('--files <n>', 'files in the tree (1,000 a folder)', Number, 1_000_000)
  .option('--rounds <n>', 'repeat each measurement, keep the fastest', Number, 1)
  .option('--remove', 'delete the tree afterwards (it is kept for the next run otherwise)')
  .option('--int8', 'also run embed and the model alone with the int8 export of the same checkpoint')
  .parse()
  .opts<{ files: number; rounds: number; remove?: boolean; int8?: boolean }>();

const PER_FOLDER = 1000;
const SOURCES = 10_000;
const root = join(tmpdir(), `aae-million-${opts.files}`);
const tree = join(root, 'tree');
const EMBED_BIN = fileURLToPath(new URL('../bin/embed.js', import.meta.url));
const DECODE_ONLY = fileURLToPath(new URL('./million-decode.ts', import.meta.url));
const MODEL_ONLY = fileURLToPath(new URL('./million-model.ts', import.meta.url));
const MODEL_IMAGES = 300_000;

/** The tree of hard links, made unless a complete one is there. */
async function makeTree(): Promise<void> {
  const done = join(root, 'complete');
  if (existsSync(done)) return;
  await rm(root, { recursive: true, force: true });
  const t = performance.now();
  const sources = await writeSampleImages(join(root, 'sources'), SOURCES);
  for (let f = 0; f * PER_FOLDER < opts.files; f++) {
    const folder = join(tree, String(f).padStart(4, '0'));
    await mkdir(folder, { recursive: true });
    const links: Promise<void>[] = [];
    for (let j = 0; j < PER_FOLDER && f * PER_FOLDER + j < opts.files; j++)
      links.push(link(join(root, 'sources', sources[(f * PER_FOLDER + j) % SOURCES]!), join(folder, `${String(j).padStart(4, '0')}.png`)));
    await Promise.all(links);
  }
  await writeFile(done, '');
  console.log(`made ${opts.files} hard links in ${((performance.now() - t) / 1000).toFixed(1)} s under ${tree}`);
}

interface Measured {
  filesPerSecond: number;
  peakRssMb: number;
  /** CPU time of the whole process (user + system, every thread, start-up included) per file, µs. */
  cpuPerFile: number;
}

/** Runs node with `args` under /usr/bin/time -v: its files/s (read from its output by `rate`) and peak RSS. */
function timedRun(args: string[], rate: (stdout: string) => number): Measured {
  const report = join(work, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-v', '-o', report, process.execPath, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const text = readFileSync(report, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(text)?.[1]);
  const cpu = field('User time \\(seconds\\)') + field('System time \\(seconds\\)');
  return {
    filesPerSecond: rate(stdout),
    peakRssMb: field('Maximum resident set size \\(kbytes\\)') / 1024,
    cpuPerFile: (cpu / opts.files) * 1e6,
  };
}

/** The model alone, in its own process: images/s, and CPU µs an image. */
function modelRate(model: string): { rate: number; cpuPerImage: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', MODEL_ONLY, model, String(MODEL_IMAGES)], { encoding: 'utf8' });
  const m = /(\d+) images\/s, ([\d.]+) us CPU/.exec(out);
  return { rate: Number(m?.[1]), cpuPerImage: Number(m?.[2]) };
}

/** The model alone while a decode-only process works through the tree (started a second earlier, stopped after). */
async function modelBesideDecoding(model: string): Promise<{ rate: number; cpuPerImage: number }> {
  const decoder = spawn(process.execPath, ['--import', 'tsx', DECODE_ONLY, tree], { stdio: 'ignore' });
  const exited = new Promise((resolve) => decoder.on('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  try {
    if (decoder.exitCode !== null) throw new Error('the decode-only process ended before the model ran');
    return modelRate(model);
  } finally {
    decoder.kill();
    await exited;
  }
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

await makeTree();
const work = join(root, 'run');
await rm(work, { recursive: true, force: true });
await mkdir(work);
try {
  const model = await makeModel(work, { hidden: [1000, 1000] });
  const int8 = opts.int8 ? await makeInt8Model(work) : undefined;
  const embedRun = (m: string) =>
    timedRun([EMBED_BIN, '--model', m, '--input', tree, '--out', join(work, 'points.csv')], (s) =>
      Number(/\((\d+) files\/s\)/.exec(s)?.[1]),
    );
  console.log(`cores ${availableParallelism()}; load average before: ${load()}`);
  const best = { embed: undefined as Measured | undefined, decode: undefined as Measured | undefined };
  const faster = (a: Measured | undefined, b: Measured) => (a && a.filesPerSecond >= b.filesPerSecond ? a : b);
  for (let r = 0; r < opts.rounds; r++) {
    const decode = timedRun(['--import', 'tsx', DECODE_ONLY, tree], (s) => Number(/(\d+) files\/s/.exec(s)?.[1]));
    const embed = embedRun(model);
    const alone = modelRate(model);
    const beside = await modelBesideDecoding(model);
    console.log(
      `round ${r + 1}: model-only ${fmt(alone.rate)} images/s alone, ${fmt(beside.rate)} beside decode-only (${(beside.rate / alone.rate).toFixed(2)})`,
    );
    // Both stages' CPU per file, however the threads share the cores: the most any split of them can do.
    const perFile = decode.cpuPerFile + alone.cpuPerImage;
    console.log(
      `round ${r + 1}: CPU per file: decode-only ${decode.cpuPerFile.toFixed(1)} µs (whole process) + model ${alone.cpuPerImage.toFixed(1)} µs = ${perFile.toFixed(1)} µs, so ${availableParallelism()} cores embed at most ${fmt((availableParallelism() * 1e6) / perFile)} files/s; embed used ${embed.cpuPerFile.toFixed(1)} µs a file`,
    );
    console.log(
      `round ${r + 1}: embed ${fmt(embed.filesPerSecond)} files/s, peak RSS ${fmt(embed.peakRssMb)} MB; decode-only ${fmt(decode.filesPerSecond)} files/s, peak RSS ${fmt(decode.peakRssMb)} MB; load average ${load()}`,
    );
    if (int8) {
      const [e8, m8] = [embedRun(int8), modelRate(int8)];
      console.log(
        `round ${r + 1}: int8: embed ${fmt(e8.filesPerSecond)} files/s (${e8.cpuPerFile.toFixed(1)} µs CPU a file), peak RSS ${fmt(e8.peakRssMb)} MB; model-only ${fmt(m8.rate)} images/s, ${m8.cpuPerImage.toFixed(1)} µs CPU an image; load average ${load()}`,
      );
    }
    best.embed = faster(best.embed, embed);
    best.decode = faster(best.decode, decode);
  }
  const e = best.embed!;
  const d = best.decode!;
  console.log(
    `embed:       ${fmt(e.filesPerSecond)} files/s, peak RSS ${fmt(e.peakRssMb)} MB   (target >= 35,000 files/s on 2 cores, <= 400 MB)`,
  );
  console.log(`decode-only: ${fmt(d.filesPerSecond)} files/s, peak RSS ${fmt(d.peakRssMb)} MB`);
  console.log(`ratio embed / decode-only = ${(e.filesPerSecond / d.filesPerSecond).toFixed(2)}; load average after: ${load()}`);
} finally {
  await rm(work, { recursive: true, force: true });
  if (opts.remove) await rm(root, { recursive: true, force: true });
}
