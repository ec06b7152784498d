/**
 * `pnpm bench:ort-web`: onnxruntime-web's `session.run` alone on the real-size model (hidden
 * [1000, 1000], n = d = 10), side by side in the same run: in Debian's Chromium (headless, under
 * the server's cross-origin isolation) on the library's WebGPU build (`ort.min.mjs`, whose
 * `.jsep.wasm` also runs the wasm provider) and on its wasm-only build (`ort.wasm.min.mjs`, the
 * page's), and in Node's onnxruntime-web, each on 1 and 2 threads. Reports images/s and images per
 * CPU second (Chromium's processes from /proc; Node's process), which other load moves far less.
 * With `--int8`, every measurement is repeated right after with `export --quantize int8` of the
 * same checkpoint.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@aae-map/web';
import { CHROMIUM, CHROMIUM_ARGS } from '@aae-map/web/test-utils';
import { Command } from 'commander';
import { chromium } from 'playwright-core';
import { makeInt8Model, makeModel } from '../../../test/embed-helpers.ts';
import { benchInput, INPUT_NAME, WARM_UP_RUNS } from './ort-web-input.ts';
import { descendantsCpuSeconds } from './process-cpu.ts';

interface BenchOptions {
  batch: number;
  runs: number;
  rounds: number;
  int8?: boolean;
}

const opts = new Command('bench:ort-web')
  .option('--batch <n>', 'images per session.run', Number, 256)
  .option('--runs <n>', 'timed runs per measurement', Number, 30)
  .option('--rounds <n>', 'rounds of all measurements, alternating', Number, 3)
  .option('--int8', 'also measure the int8 export of the same checkpoint after each measurement')
  .parse()
  .opts<BenchOptions>();

interface Measured {
  rate: number;
  perCpuSecond: number;
}

const BUILDS = { webgpu: '/ort/ort.min.mjs', wasm: '/ort/ort.wasm.min.mjs' } as const;
const THREADS = [1, 2];

function nodeRun(model: string, threads: number): Measured {
  const script = join(import.meta.dirname, 'ort-web-node.ts');
  const args = ['--import', 'tsx', script, model, String(threads), String(opts.batch), String(opts.runs)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node run failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

/** Opens the model in a fresh Chromium on `build` and warms it up; the session stays in the page. */
async function openInBrowser(origin: string, build: string, threads: number) {
  const profile = await mkdtemp(join(tmpdir(), 'ort-web-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  // Any path under the server carries its COOP/COEP headers; a 404 page loads nothing else.
  await page.goto(`${origin}bench-blank`);
  const isolated = await page.evaluate(
    async ({ url, origin, threads, input, name, warmUp }) => {
      const g = globalThis as unknown as { crossOriginIsolated: boolean; bench: unknown };
      const ort = (await import(url)) as typeof import('onnxruntime-web');
      ort.env.wasm.wasmPaths = `${origin}ort/`;
      ort.env.wasm.numThreads = threads;
      const session = await ort.InferenceSession.create(`${origin}model.onnx`, { executionProviders: ['wasm'] });
      const x = Uint8Array.from(input);
      g.bench = { ort, session, x };
      for (let i = 0; i < warmUp; i++) await session.run({ [name]: new ort.Tensor('uint8', x, [x.length / 784, 28, 28]) });
      return g.crossOriginIsolated;
    },
    { url: build, origin, threads, input: Array.from(benchInput(opts.batch)), name: INPUT_NAME, warmUp: WARM_UP_RUNS },
  );
  if (threads > 1 && !isolated) throw new Error('the page is not cross-origin isolated, so it cannot run threads');
  return { page, close };
}

async function browserRun(origin: string, build: string, threads: number): Promise<Measured> {
  const { page, close } = await openInBrowser(origin, build, threads);
  try {
    const cpu = descendantsCpuSeconds();
    const ms = await page.evaluate(
      async ({ runs, name }) => {
        const g = globalThis as unknown as {
          bench: { ort: typeof import('onnxruntime-web'); session: import('onnxruntime-web').InferenceSession; x: Uint8Array };
        };
        const { ort, session, x } = g.bench;
        const t = performance.now();
        for (let i = 0; i < runs; i++) await session.run({ [name]: new ort.Tensor('uint8', x, [x.length / 784, 28, 28]) });
        return performance.now() - t;
      },
      { runs: opts.runs, name: INPUT_NAME },
    );
    const images = opts.batch * opts.runs;
    return { rate: images / (ms / 1000), perCpuSecond: images / (descendantsCpuSeconds() - cpu) };
  } finally {
    await close();
  }
}

const format = (m: Measured) => `${Math.round(m.rate)} images/s, ${Math.round(m.perCpuSecond)} per CPU s`;

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ort-web-bench-'));
  try {
    const models: Record<string, string> = { float32: await makeModel(tmp, { hidden: [1000, 1000] }) };
    if (opts.int8) models.int8 = await makeInt8Model(tmp);
    const servers = Object.fromEntries(
      await Promise.all(
        Object.entries(models).map(async ([name, model]) => [name, await startServer({ port: 0, model, root: tmp })] as const),
      ),
    );
    try {
      console.log(`batch ${opts.batch}, ${opts.runs} timed runs after ${WARM_UP_RUNS} warm-up runs`);
      for (let r = 0; r < opts.rounds; r++) {
        for (const threads of THREADS) {
          const at = (m: string) => `round ${r + 1}, ${threads} thread(s), ${m}`;
          for (const [m, model] of Object.entries(models)) console.log(`${at(m)}: node: ${format(nodeRun(model, threads))}`);
          for (const [name, build] of Object.entries(BUILDS))
            for (const m of Object.keys(models))
              console.log(`${at(m)}: chromium ${name} build: ${format(await browserRun(servers[m]!.url, build, threads))}`);
        }
        console.log(
          `load average: ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
        );
      }
    } finally {
      await Promise.all(Object.values(servers).map((s) => s.close()));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
