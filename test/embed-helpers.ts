/**
 * What the embed end-to-end tests share: a small exported model, folders of real MNIST PNGs,
 * and the real `embed` bin run as a child process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportModel } from '@aae-map/export';
import { openModel, writeSampleImages } from '@aae-map/infer';
import { type LabelledImages, parseCsv } from '@aae-map/shared';
import { type RandomCheckpointOptions, writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

export const EMBED_BIN = fileURLToPath(new URL('../packages/infer/bin/embed.js', import.meta.url));

/** Exports a random small model (hidden [64, 32], n = d = 10 unless overridden) to `dir/model.onnx`. */
export async function makeModel(dir: string, opts: RandomCheckpointOptions = {}): Promise<string> {
  await writeRandomCheckpoint(join(dir, 'run'), { seed: 5, ...opts });
  const file = join(dir, 'model.onnx');
  await exportModel(join(dir, 'run'), file);
  return file;
}

/** `export --quantize int8` of the checkpoint makeModel wrote in `dir`, as dir/model-int8.onnx. */
export async function makeInt8Model(dir: string): Promise<string> {
  const file = join(dir, 'model-int8.onnx');
  await exportModel(join(dir, 'run'), file, { quantize: 'int8' });
  return file;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `embed` bin with `args`; `env` entries are added to (or, as undefined, removed from)
 * the environment; `nodeArgs` go to node before the bin.
 */
export function runEmbed(args: string[], env: Record<string, string | undefined> = {}, nodeArgs: string[] = []): Promise<RunResult> {
  return runNode([...nodeArgs, EMBED_BIN, ...args], env);
}

/** Runs node with `args`, as runEmbed does, in `cwd` (default: this process's). */
export function runNode(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<RunResult> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env } as NodeJS.ProcessEnv, cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Checks that a run was refused as the CLIs refuse bad input: exit code 2, one `error:` line, no stack. */
export function assertRefused(r: RunResult, message: RegExp, what = ''): void {
  assert.equal(r.code, 2, `${what}: exit code 2; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line: ${r.stderr}`);
  assert.match(lines[0]!, /^error: /, what);
  assert.match(lines[0]!, message, what);
  assert.doesNotMatch(r.stderr, /^ {4}at /m, `${what}: no stack trace`);
}

/** Writes the first `count` MNIST test digits as `<label>/<index>.png`; returns the relative paths. */
export const mnistFolder = (dir: string, count: number) => writeSampleImages(dir, count);

/** The MNIST test index a sample-images path stands for ('7/00042.png' → 42). */
export const indexOf = (path: string) => Number(path.slice(path.lastIndexOf('/') + 1, -'.png'.length));

/** All records of a CSV file, header first. */
export async function readCsvFile(file: string): Promise<string[][]> {
  return parseCsv(await readFile(file, 'utf8'));
}

/** Runs the model directly on MNIST test images (one batch), as the reference for CSV rows. */
export async function directOutputs(model: string, mnist: LabelledImages, indices: number[]) {
  const m = await openModel(model, { device: 'cpu' });
  const size = mnist.height * mnist.width;
  const pixels = new Uint8Array(indices.length * size);
  indices.forEach((idx, i) => {
    pixels.set(mnist.pixels.subarray(idx * size, (idx + 1) * size), i * size);
  });
  try {
    return { ...(await m.run(pixels, indices.length)), info: m.info };
  } finally {
    await m.close();
  }
}
