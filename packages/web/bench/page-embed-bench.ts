/**
 * `pnpm bench:page`: the page's embedding speed in Debian's chromium (headless, wasm, the page's
 * own thread count) on N real MNIST 28x28 PNGs, against the command line's `embed` on the same
 * folder and model in the same run. Both figures include decoding; the page's is its own
 * #run-status rate (from reading the first batch to the last batch's points), `embed`'s is files / wall time of
 * embedFolder (model opening and the CSV included). Each runs `--rounds` times; the best counts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedFolder, writeSampleImages } from '@aae-map/infer';
import { startServer } from '@aae-map/web';
import { openPage } from '@aae-map/web/test-utils';
import { Command } from 'commander';
import { makeModel } from '../../../test/embed-helpers.ts';

interface BenchOptions {
  files: number;
  rounds: number;
  model?: string;
}

const opts = new Command('bench:page')
  .option('--files <n>', 'MNIST test PNGs to write (at most 10,000)', Number, 5_000)
  .option('--rounds <n>', 'repeat each measurement, keep the best', Number, 2)
  .option('--model <file>', 'ONNX model (default: a random real-size one, hidden [1000, 1000], n = d = 10)')
  .parse()
  .opts<BenchOptions>();

interface Doc {
  getElementById(id: string): { dataset: Record<string, string | undefined> } | null;
  querySelector(sel: string): unknown;
}

/** The page's images/s for one pick of the folder, read from #run-status once the map shows. */
async function pageRate(url: string, dir: string, count: number): Promise<{ rate: number; provider: string }> {
  const h = await openPage(url);
  try {
    await h.page.selectOption('#ep-select', 'wasm');
    await h.page.setInputFiles('#folder-input', dir);
    await h.page.waitForFunction(
      (n) => {
        // Typed without the DOM lib (the page's CSP forbids evaluating a string instead).
        const doc = (globalThis as unknown as { document: Doc }).document;
        return doc.getElementById('count')?.dataset.count === String(n) || doc.querySelector('#run-status.error') !== null;
      },
      count,
      { timeout: 600_000 },
    );
    const status = await h.page.textContent('#run-status');
    if (!status?.startsWith('embedded')) throw new Error(`the page did not embed the folder: ${status}`);
    return {
      rate: Number(await h.page.getAttribute('#run-status', 'data-rate')),
      provider: (await h.page.textContent('#provider')) ?? '',
    };
  } finally {
    await h.close();
  }
}

async function cliRate(model: string, input: string, out: string): Promise<number> {
  const t = performance.now();
  const summary = await embedFolder({ model, input, out, device: 'cpu', log: { write: () => true } as never });
  return summary.embedded / ((performance.now() - t) / 1000);
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'page-bench-'));
  try {
    const model = opts.model ?? (await makeModel(tmp, { hidden: [1000, 1000] }));
    const dir = join(tmp, 'images');
    await writeSampleImages(dir, opts.files);
    const server = await startServer({ port: 0, model, root: dir });
    const page: number[] = [];
    const cli: number[] = [];
    let provider = '';
    try {
      for (let r = 0; r < opts.rounds; r++) {
        const p = await pageRate(server.url, dir, opts.files);
        provider = p.provider;
        page.push(p.rate);
        cli.push(await cliRate(model, dir, join(tmp, `points-${r}.csv`)));
        console.log(`round ${r + 1}: page ${Math.round(p.rate)} images/s, embed ${Math.round(cli.at(-1)!)} files/s`);
      }
    } finally {
      await server.close();
    }
    const best = { page: Math.max(...page), cli: Math.max(...cli) };
    console.log(
      `files: ${opts.files} MNIST 28x28 PNGs; cores: ${availableParallelism()}; load average: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(`page (${provider}): ${Math.round(best.page)} images/s`);
    console.log(`embed (CLI):  ${Math.round(best.cli)} files/s`);
    console.log(`embed / page: ${(best.cli / best.page).toFixed(1)}x`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
