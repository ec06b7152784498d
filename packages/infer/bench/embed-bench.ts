/**
 * `pnpm bench:embed`: embed's speed on 20,000 28x28 MNIST PNGs, against its two stages measured
 * alone in the same run:
 * - decode-only: the same walk, batches and decode workers, with nothing consuming the pixels;
 * - model-only: onnxruntime on the same images already in memory, same batch and threads.
 * The ratio embed / min(decode, model) says how well the pipeline overlaps the two. Both stages
 * use the CPU, so on a machine where both fill the cores the bound is rather
 * 1 / (1/decode + 1/model), which is printed too.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { exportModel } from '@aae-map/export';
import { MNIST_CLASS_NAMES, readMnist } from '@aae-map/shared';
import { DecodePool } from '../src/decode-pool.ts';
import { embedFolder } from '../src/embed.ts';
import { defaultThreads } from '../src/thread-split.ts';
import { decodeInOrder } from '../src/pipeline.ts';
import { openModel } from '../src/runtime.ts';
import { encodeGrayPng } from '../src/sample-images.ts';
import { writeRandomCheckpoint } from '../../../test/fixtures/random-checkpoint.ts';

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
    const src = i < test.count ? test : train;
    const j = i < test.count ? i : i - test.count;
    const img = src.pixels.subarray(j * size, (j + 1) * size);
    pixels.set(img, i * size);
    await writeFile(join(dir, MNIST_CLASS_NAMES[src.labels[j]!]!, `${String(i).padStart(6, '0')}.png`), encodeGrayPng(img, 28, 28));
  }
  return pixels;
}

async function decodeOnly(input: string): Promise<number> {
  const pool = new DecodePool(opts.workers);
  let n = 0;
  const t = performance.now();
  await decodeInOrder({ input, after: undefined, batch: opts.batch, width: 28, height: 28 }, pool, (_b, r) => void (n += r.ok.length));
  const rate = n / ((performance.now() - t) / 1000);
  await pool.close();
  return rate;
}

async function modelOnly(model: string, pixels: Uint8Array): Promise<number> {
  const m = await openModel(model, { device: 'cpu', threads: opts.threads });
  const size = 28 * 28;
  const count = pixels.length / size;
  await m.run(pixels.subarray(0, opts.batch * size), opts.batch); // warm-up
  const t = performance.now();
  for (let i = 0; i < count; i += opts.batch) {
    const k = Math.min(opts.batch, count - i);
    await m.run(pixels.subarray(i * size, (i + k) * size), k);
  }
  const rate = count / ((performance.now() - t) / 1000);
  await m.close();
  return rate;
}

async function embed(model: string, input: string, out: string): Promise<number> {
  const log = createWriteStream('/dev/null') as unknown as NodeJS.WriteStream;
  const s = await embedFolder({ model, input, out, batch: opts.batch, threads: opts.threads, workers: opts.workers, device: 'cpu', log });
  log.end();
  if (s.embedded !== opts.files) throw new Error(`embedded ${s.embedded} of ${opts.files} files`);
  return s.filesPerSecond;
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

const tmp = await mkdtemp(join(tmpdir(), 'embed-bench-'));
try {
  let model = opts.model;
  if (!model) {
    await writeRandomCheckpoint(join(tmp, 'run'), { hidden: [1000, 1000], clusters: 10 });
    model = join(tmp, 'model.onnx');
    await exportModel(join(tmp, 'run'), model);
  }
  const input = join(tmp, 'images');
  let t = performance.now();
  const pixels = await writePngs(input, opts.files);
  console.log(`wrote ${opts.files} PNGs in ${((performance.now() - t) / 1000).toFixed(1)} s; cores ${availableParallelism()}, decode workers ${opts.workers}, onnxruntime threads ${opts.threads || 'its choice'}, batch ${opts.batch}`);
  console.log(`load average before: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const best = { embed: 0, decode: 0, model: 0 };
  for (let r = 0; r < opts.rounds; r++) {
    const decode = await decodeOnly(input);
    const mdl = await modelOnly(model, pixels);
    const emb = await embed(model, input, join(tmp, 'points.csv'));
    console.log(`round ${r + 1}: embed ${fmt(emb)} files/s, decode-only ${fmt(decode)} files/s, model-only ${fmt(mdl)} images/s`);
    best.embed = Math.max(best.embed, emb);
    best.decode = Math.max(best.decode, decode);
    best.model = Math.max(best.model, mdl);
  }
  t = Math.min(best.decode, best.model);
  const shared = 1 / (1 / best.decode + 1 / best.model);
  console.log(`load average after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`embed:       ${fmt(best.embed)} files/s   (target >= 8,000)`);
  console.log(`decode-only: ${fmt(best.decode)} files/s`);
  console.log(`model-only:  ${fmt(best.model)} images/s`);
  console.log(`ratio embed / min(decode, model) = ${(best.embed / t).toFixed(2)}   (target >= 0.85)`);
  console.log(`ratio embed / (1 / (1/decode + 1/model)) = ${(best.embed / shared).toFixed(2)}   (1.0 = the two stages share the cores perfectly)`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
