/**
 * `pnpm bench:embed`: embed's speed on 20,000 28x28 MNIST PNGs, against its two stages measured
 * alone in the same run:
 * - decode-only: embed's run without the model (same worker start, walk, batches, decoding);
 * - model-only: onnxruntime (session open) on the same images in memory, same batch and threads;
 *   and on threads + workers threads, which embed gives the batches left once all are decoded;
 * - embed: the whole embedFolder call, opening the model and writing the CSV included.
 * The ratio embed / min(decode, model) says how well the pipeline overlaps the two. Both stages
 * use the CPU, so when other work leaves fewer free cores than embed's threads the bound is
 * rather 1 / (1/decode + 1/model), printed too, as is the CPU time per file, which other load
 * does not change.
 *
 * embed also runs on the first fifth of the files (a second folder), which splits its time into
 * a fixed part per run (workers and model starting, code warming up) and a part per file: the
 * slope between the two sizes is embed's rate on a folder large enough for the fixed part not
 * to matter (38,600-39,500 files/s from 4,000 to 20,000 files, 39,900 from 20,000 to 100,000,
 * measured the same day).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MNIST_CLASS_NAMES, readMnist } from '@aae-map/shared';
import { Command } from 'commander';
import { makeModel } from '../../../test/embed-helpers.ts';
import { DecodePool } from '../src/decode-pool.ts';
import { embedFolder } from '../src/embed.ts';
import { decodeInOrder } from '../src/pipeline.ts';
import { openModel } from '../src/runtime.ts';
import { encodeGrayPng } from '../src/sample-images.ts';
import { defaultThreads } from '../src/thread-split.ts';

interface BenchOptions {
  files: number;
  batch: number;
  threads: number;
  workers: number;
  rounds: number;
  model?: string;
}

const opts = new Command('bench:embed')
  .option('--files <n>', 'PNG files to generate', Number, 20_000)
  .option('--batch <n>', 'images per inference call', Number, 1024)
  .option('--threads <n>', 'onnxruntime threads (0 = its choice)', Number, defaultThreads().threads)
  .option('--workers <n>', 'decode worker threads', Number, defaultThreads().workers)
  .option('--rounds <n>', 'repeat each measurement, keep the best', Number, 2)
  .option('--model <file>', 'ONNX model (default: a random real-size one, hidden [1000, 1000], n = d = 10)')
  .parse()
  .opts<BenchOptions>();

async function writePngs(dir: string, count: number): Promise<Uint8Array> {
  const [test, train] = [await readMnist('test'), await readMnist('train')];
  const size = 28 * 28;
  const pixels = new Uint8Array(count * size);
  for (const name of MNIST_CLASS_NAMES) await mkdir(join(dir, name), { recursive: true });
  for (let i = 0; i < count; i++) {
    // Test digits first, then training digits, round again past the 70,000 there are.
    const k = i % (test.count + train.count);
    const src = k < test.count ? test : train;
    const j = k < test.count ? k : k - test.count;
    const img = src.pixels.subarray(j * size, (j + 1) * size);
    pixels.set(img, i * size);
    await writeFile(join(dir, MNIST_CLASS_NAMES[src.labels[j]!]!, `${String(i).padStart(6, '0')}.png`), encodeGrayPng(img, 28, 28));
  }
  return pixels;
}

interface Measured {
  /** Files (or images) per wall-clock second. */
  rate: number;
  /** CPU time of the whole process (all threads) per file, in µs: immune to other load. */
  cpuPerFile: number;
}

/** Runs `fn`, which handles `count` files, and measures its wall-clock rate and process CPU per file. */
async function measure(count: number, fn: () => Promise<void>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { rate: count / ((performance.now() - t) / 1000), cpuPerFile: (used.user + used.system) / count };
}

/** embed's run without the model: same worker start, walk, batches and decoding. */
async function decodeOnly(input: string): Promise<Measured> {
  let n = 0;
  let pool: DecodePool | undefined;
  const m = await measure(opts.files, async () => {
    pool = new DecodePool(opts.workers);
    await decodeInOrder({ input, after: undefined, batch: opts.batch, width: 28, height: 28 }, pool, (_b, r) => {
      n += r.ok.length;
    });
  });
  await pool!.close();
  if (n !== opts.files) throw new Error(`decoded ${n} of ${opts.files} files`);
  return m;
}

async function modelOnly(model: string, pixels: Uint8Array, threads = opts.threads): Promise<Measured> {
  const m = await openModel(model, { device: 'cpu', threads, spin: false }); // as embed opens it
  const size = 28 * 28;
  const count = pixels.length / size;
  await m.run(pixels.subarray(0, opts.batch * size), opts.batch); // warm-up
  const r = await measure(count, async () => {
    for (let i = 0; i < count; i += opts.batch) {
      const k = Math.min(opts.batch, count - i);
      await m.run(pixels.subarray(i * size, (i + k) * size), k);
    }
  });
  await m.close();
  return r;
}

async function embed(model: string, input: string, out: string, files: number): Promise<Measured> {
  const log = createWriteStream('/dev/null') as unknown as NodeJS.WriteStream;
  let embedded = 0;
  // Includes opening the model, as a user's run does.
  const m = await measure(files, async () => {
    embedded = (
      await embedFolder({ model, input, out, batch: opts.batch, threads: opts.threads, workers: opts.workers, device: 'cpu', log })
    ).embedded;
  });
  log.end();
  if (embedded !== files) throw new Error(`embedded ${embedded} of ${files} files`);
  return m;
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

const tmp = await mkdtemp(join(tmpdir(), 'embed-bench-'));
try {
  const model = opts.model ?? (await makeModel(tmp, { hidden: [1000, 1000] }));
  const input = join(tmp, 'images');
  const small = { input: join(tmp, 'images-small'), files: Math.round(opts.files / 5) };
  const t = performance.now();
  const pixels = await writePngs(input, opts.files);
  await writePngs(small.input, small.files); // the same images as the first fifth of the others
  console.log(
    `wrote ${opts.files} + ${small.files} PNGs in ${((performance.now() - t) / 1000).toFixed(1)} s; cores ${availableParallelism()}, decode workers ${opts.workers}, onnxruntime threads ${opts.threads || 'its choice'}, batch ${opts.batch}`,
  );
  console.log(
    `load average before: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  const best = { embed: 0, decode: 0, model: 0, modelWide: 0 };
  // embed runs the batches left once all are decoded on the decoders' threads too (EmbedOptions.threads).
  const wideThreads = opts.threads > 0 ? opts.threads + opts.workers : 0;
  /** The shortest embed runs, in seconds, on the full folder and on the small one. */
  const fastest = { full: Infinity, small: Infinity };
  const cpu = { embed: Infinity, decode: Infinity, model: Infinity };
  for (let r = 0; r < opts.rounds; r++) {
    const decode = await decodeOnly(input);
    const mdl = await modelOnly(model, pixels);
    if (wideThreads > 0) best.modelWide = Math.max(best.modelWide, (await modelOnly(model, pixels, wideThreads)).rate);
    const emb = await embed(model, input, join(tmp, 'points.csv'), opts.files);
    const embSmall = await embed(model, small.input, join(tmp, 'points-small.csv'), small.files);
    fastest.full = Math.min(fastest.full, opts.files / emb.rate);
    fastest.small = Math.min(fastest.small, small.files / embSmall.rate);
    console.log(
      `round ${r + 1}: embed ${fmt(emb.rate)} files/s, decode-only ${fmt(decode.rate)} files/s, model-only ${fmt(mdl.rate)} images/s; ratio ${(emb.rate / Math.min(decode.rate, mdl.rate)).toFixed(2)}`,
    );
    best.embed = Math.max(best.embed, emb.rate);
    best.decode = Math.max(best.decode, decode.rate);
    best.model = Math.max(best.model, mdl.rate);
    cpu.embed = Math.min(cpu.embed, emb.cpuPerFile);
    cpu.decode = Math.min(cpu.decode, decode.cpuPerFile);
    cpu.model = Math.min(cpu.model, mdl.cpuPerFile);
  }
  const shared = 1 / (1 / best.decode + 1 / best.model);
  console.log(
    `load average after: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  console.log(`embed:       ${fmt(best.embed)} files/s   (target >= 8,000)`);
  console.log(`decode-only: ${fmt(best.decode)} files/s`);
  console.log(`model-only:  ${fmt(best.model)} images/s`);
  if (wideThreads > 0)
    console.log(
      `model-only on ${wideThreads} threads: ${fmt(best.modelWide)} images/s   (what embed's last batches get, once every batch is decoded)`,
    );
  console.log(
    `ratio embed / min(decode, model) = ${(best.embed / Math.min(best.decode, best.model)).toFixed(2)}   (target >= 0.85; best of each over the rounds)`,
  );
  const perFile = (fastest.full - fastest.small) / (opts.files - small.files);
  const atScale = 1 / perFile;
  console.log(
    `embed per added file: ${fmt(atScale)} files/s (slope between ${fmt(small.files)} and ${fmt(opts.files)} files), after ` +
      `${((fastest.full - opts.files * perFile) * 1000).toFixed(0)} ms fixed per run; that rate / min(decode, model) = ${(atScale / Math.min(best.decode, best.model)).toFixed(2)}`,
  );
  console.log(
    `ratio embed / (1 / (1/decode + 1/model)) = ${(best.embed / shared).toFixed(2)}   (1.0 = the two stages share the cores perfectly)`,
  );
  console.log(
    `CPU per file (all threads, any load): embed ${cpu.embed.toFixed(1)} µs = ${((cpu.decode + cpu.model) / cpu.embed).toFixed(2)} x (decode ${cpu.decode.toFixed(1)} + model ${cpu.model.toFixed(1)} µs)`,
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
