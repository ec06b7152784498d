/**
 * `pnpm bench:page`: the page's embedding speed in Debian's chromium (headless, wasm, the page's
 * own thread count) on N real MNIST 28x28 PNGs, against the command line's `embed` on the same
 * folder and model in the same run. Both figures include decoding; the page's is its own
 * #run-status rate (from reading the first batch to the last batch's points), `embed`'s is files / wall time of
 * embedFolder (model opening and the CSV included). Each runs `--rounds` times; the best counts.
 * Beside the wall-clock rates, images per CPU second: Chromium's processes from the pick to the
 * map (opening the model included), and embed's process for embedFolder. The machine's load moves
 * these much less than the rates. Each round also times the page's file reads alone (a fresh pick,
 * every file's bytes read in the page's batches, nothing decoded or run): the most the page could
 * reach in this browser on this machine. --per-thread splits a second pick's CPU by Chromium's threads.
 * --int8 measures both again with `export --quantize int8` of the same checkpoint. --tar also
 * measures the same PNGs as one tar shard (the WebDataset layout): the page picking the .tar
 * (its one read included in the rate) against `embed --input shard.tar`.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedFolder, writeSampleImages } from '@aae-map/infer';
import { startServer } from '@aae-map/web';
import { openPage, type PageHarness } from '@aae-map/web/test-utils';
import { Command } from 'commander';
import { makeInt8Model, makeModel } from '../../../test/embed-helpers.ts';
import { DEFAULT_BATCH } from '../src/page/embed-batch.ts';
import { descendantsCpuSeconds, threadCpuSeconds } from './process-cpu.ts';

interface BenchOptions {
  files: number;
  rounds: number;
  model?: string;
  perThread?: boolean;
  int8?: boolean;
  tar?: boolean;
}

/** What the page is given: the folder (its folder input) or a shard (its file input). */
interface Pick {
  input: '#folder-input' | '#images-input';
  path: string;
}

const opts = new Command('bench:page')
  .option('--files <n>', 'MNIST test PNGs to write (at most 10,000)', Number, 5_000)
  .option('--rounds <n>', 'repeat each measurement, keep the best', Number, 2)
  .option('--model <file>', 'ONNX model (default: a random real-size one, hidden [1000, 1000], n = d = 10)')
  .option('--int8', 'also measure the int8 export (export --quantize int8) of the same checkpoint; not with --model')
  .option('--tar', 'also measure the same PNGs as one .tar shard: the page picking it, and embed --input shard.tar')
  .option('--per-thread', "also pick the folder a second time in the same page and print CPU µs per image by Chromium's threads")
  .parse()
  .opts<BenchOptions>();

interface Doc {
  getElementById(id: string): { dataset: Record<string, string | undefined>; textContent: string | null } | null;
  querySelector(sel: string): unknown;
}

/** Waits until the map shows `count` points or the run reports an error. */
async function waitForMap(h: PageHarness, count: number): Promise<void> {
  await h.page.waitForFunction(
    (n) => {
      // Typed without the DOM lib (the page's CSP forbids evaluating a string instead).
      const doc = (globalThis as unknown as { document: Doc }).document;
      return doc.getElementById('count')?.dataset.count === String(n) || doc.querySelector('#run-status.error') !== null;
    },
    count,
    { timeout: 600_000 },
  );
}

/**
 * Picks the folder again in the same page (model open, wasm compiled) and prints the CPU µs per
 * image of each of Chromium's threads from the end of the first batch to the map, leaving out
 * the pick itself (the browser listing the folder) and the first batch.
 */
async function perThread(h: PageHarness, pick: Pick, count: number): Promise<void> {
  await h.page.evaluate(() => {
    // So that waitForMap waits for this pick's map.
    const el = (globalThis as unknown as { document: Doc }).document.getElementById('count');
    if (el) el.dataset.count = '';
  });
  await h.page.setInputFiles(pick.input, pick.path);
  await h.page.waitForFunction(
    () => /^embedding [1-9]/.test((globalThis as unknown as { document: Doc }).document.getElementById('run-status')?.textContent ?? ''),
    undefined,
    { timeout: 600_000, polling: 5 },
  );
  const before = threadCpuSeconds();
  const first = Number(/embedding (\d+)/.exec((await h.page.textContent('#run-status')) ?? '')?.[1]);
  await waitForMap(h, count);
  const after = threadCpuSeconds();
  const images = count - first;
  const rows = [...after]
    .map(([name, s]) => [name, ((s - (before.get(name) ?? 0)) * 1e6) / images] as const)
    .filter(([, us]) => us >= 5)
    .sort((a, b) => b[1] - a[1]);
  console.log(`  per thread, second pick, ${images} images after the first batch (CPU µs per image):`);
  for (const [name, us] of rows) console.log(`    ${us.toFixed(0).padStart(5)}  ${name}`);
  console.log(
    `    ${rows
      .reduce((sum, [, us]) => sum + us, 0)
      .toFixed(0)
      .padStart(5)}  all`,
  );
}

/** The page's images/s for one pick of the folder or shard, read from #run-status once the map shows. */
async function pageRate(url: string, pick: Pick, count: number): Promise<Measured & { provider: string }> {
  const h = await openPage(url);
  try {
    await h.page.selectOption('#ep-select', 'wasm');
    const cpu = descendantsCpuSeconds();
    await h.page.setInputFiles(pick.input, pick.path);
    await waitForMap(h, count);
    const cpuSeconds = descendantsCpuSeconds() - cpu;
    const status = await h.page.textContent('#run-status');
    if (!status?.startsWith('embedded')) throw new Error(`the page did not embed the folder: ${status}`);
    const measured = {
      rate: Number(await h.page.getAttribute('#run-status', 'data-rate')),
      perCpuSecond: count / cpuSeconds,
      provider: (await h.page.textContent('#provider')) ?? '',
    };
    if (opts.perThread) await perThread(h, pick, count);
    return measured;
  } finally {
    await h.close();
  }
}

interface FileInput {
  files: ArrayLike<{ arrayBuffer(): Promise<ArrayBuffer> }>;
}

/**
 * Chromium reading the picked files alone, in a blank page of the same browser: a fresh pick (the
 * first read of a picked file costs more than later ones), batch k+1's reads requested when batch
 * k is taken, as the page does.
 */
async function readRate(url: string, dir: string, count: number): Promise<Measured> {
  const h = await openPage(url);
  try {
    const page = await h.context.newPage();
    await page.setContent('<input type="file" id="f" webkitdirectory multiple>');
    await page.setInputFiles('#f', dir);
    const cpu = descendantsCpuSeconds();
    const { ms, files } = await page.evaluate(async (batch) => {
      const doc = (globalThis as unknown as { document: { getElementById(id: string): FileInput } }).document;
      const all = Array.from(doc.getElementById('f').files);
      // No named functions in here: tsx would wrap them in a helper the page does not have.
      const batches = Array.from({ length: Math.ceil(all.length / batch) }, (_, k) => all.slice(k * batch, (k + 1) * batch));
      const t = performance.now();
      let next: Promise<ArrayBuffer[]> | undefined = Promise.all(batches[0]!.map((f) => f.arrayBuffer()));
      for (let k = 0; next; k++) {
        await next;
        next = k + 1 < batches.length ? Promise.all(batches[k + 1]!.map((f) => f.arrayBuffer())) : undefined;
      }
      return { ms: performance.now() - t, files: all.length };
    }, DEFAULT_BATCH);
    const cpuSeconds = descendantsCpuSeconds() - cpu;
    if (files !== count) throw new Error(`the blank page got ${files} files, not ${count}`);
    return { rate: (1000 * files) / ms, perCpuSecond: files / cpuSeconds };
  } finally {
    await h.close();
  }
}

interface Measured {
  /** images per wall-clock second */
  rate: number;
  /** images per CPU second */
  perCpuSecond: number;
}

async function cliRate(model: string, input: string, out: string): Promise<Measured> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const summary = await embedFolder({ model, input, out, device: 'cpu', log: { write: () => true } as never });
  const used = process.cpuUsage(cpu);
  return { rate: summary.embedded / ((performance.now() - t) / 1000), perCpuSecond: summary.embedded / ((used.user + used.system) / 1e6) };
}

const best = (runs: Measured[], key: keyof Measured) => Math.round(Math.max(...runs.map((r) => r[key])));

/** Rounds of the page and embed on one model; prints each and the best. */
async function measureModel(label: string, model: string, dir: string, tmp: string, shard?: string): Promise<void> {
  const server = await startServer({ port: 0, model, root: dir });
  const page: Measured[] = [];
  const cli: Measured[] = [];
  const reads: Measured[] = [];
  const tarPage: Measured[] = [];
  const tarCli: Measured[] = [];
  let provider = '';
  let tarProvider = '';
  try {
    for (let r = 0; r < opts.rounds; r++) {
      const p = await pageRate(server.url, { input: '#folder-input', path: dir }, opts.files);
      provider = p.provider;
      page.push(p);
      const c = await cliRate(model, dir, join(tmp, `points-${r}.csv`));
      cli.push(c);
      const f = await readRate(server.url, dir, opts.files);
      reads.push(f);
      console.log(
        `${label}, round ${r + 1}: page ${Math.round(p.rate)} images/s (${Math.round(p.perCpuSecond)} per CPU s), ` +
          `embed ${Math.round(c.rate)} files/s (${Math.round(c.perCpuSecond)} per CPU s), ` +
          `the page's file reads alone ${Math.round(f.rate)} files/s (${Math.round(f.perCpuSecond)} per CPU s)`,
      );
      if (!shard) continue;
      const tp = await pageRate(server.url, { input: '#images-input', path: shard }, opts.files);
      tarPage.push(tp);
      tarProvider = tp.provider;
      const tc = await cliRate(model, shard, join(tmp, `tar-points-${r}.csv`));
      tarCli.push(tc);
      console.log(
        `${label}, round ${r + 1}, one .tar: page ${Math.round(tp.rate)} images/s (${Math.round(tp.perCpuSecond)} per CPU s), ` +
          `embed ${Math.round(tc.rate)} files/s (${Math.round(tc.perCpuSecond)} per CPU s)`,
      );
    }
  } finally {
    await server.close();
  }
  console.log(
    `files: ${opts.files} MNIST 28x28 PNGs; cores: ${availableParallelism()}; load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  printBest(`${label} model`, provider, page, cli);
  console.log(
    `${label} model, Chromium reading the files alone: ${best(reads, 'rate')} files/s, ${best(reads, 'perCpuSecond')} per CPU second; ` +
      `page / reads alone: ${(best(page, 'rate') / best(reads, 'rate')).toFixed(2)}`,
  );
  if (shard) printBest(`${label} model, one .tar`, tarProvider, tarPage, tarCli);
}

/** The best page and embed figures of one input's rounds, and their ratio. */
function printBest(what: string, provider: string, page: Measured[], cli: Measured[]): void {
  console.log(`${what}, page (${provider}): ${best(page, 'rate')} images/s, ${best(page, 'perCpuSecond')} per CPU second`);
  console.log(`${what}, embed (CLI):  ${best(cli, 'rate')} files/s, ${best(cli, 'perCpuSecond')} per CPU second`);
  console.log(`${what}, embed / page: ${(best(cli, 'rate') / best(page, 'rate')).toFixed(1)}x`);
}

/** The folder's PNGs as one tar shard, members named as the folder's relative paths. */
async function writeShard(dir: string, tmp: string): Promise<string> {
  const shard = join(tmp, 'shards', 'shard.tar');
  await mkdir(join(tmp, 'shards'));
  execFileSync('tar', ['-cf', shard, '-C', dir, ...(await readdir(dir)).sort()]);
  return shard;
}

async function main(): Promise<void> {
  if (opts.int8 && opts.model) throw new Error("--int8 exports the benchmark's own checkpoint: leave out --model");
  const tmp = await mkdtemp(join(tmpdir(), 'page-bench-'));
  try {
    const models: Record<string, string> = { float32: opts.model ?? (await makeModel(tmp, { hidden: [1000, 1000] })) };
    if (opts.int8) models.int8 = await makeInt8Model(tmp);
    const dir = join(tmp, 'images');
    await writeSampleImages(dir, opts.files);
    const shard = opts.tar ? await writeShard(dir, tmp) : undefined;
    for (const [label, model] of Object.entries(models)) await measureModel(label, model, dir, tmp, shard);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
