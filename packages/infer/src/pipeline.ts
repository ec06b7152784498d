/**
 * The decode stage of embed: walk → batches → decode workers, handed to `consume` in walk
 * order. A few batches decode ahead, so the workers keep going while `consume` (the model, on
 * the main thread) works on the current one; memory holds at most `2·workers + 2` batches.
 */
import type { DecodeResult } from '@aae-map/shared/decode';
import type { DecodePool } from './decode-pool.ts';
import { walkImageRuns } from '@aae-map/shared';

export interface Batch {
  /** Image files, relative to the input folder. */
  paths: string[];
  /** Directories the walk could not read, reported with this batch. */
  walkErrors: { path: string; reason: string }[];
  /** Files without an image extension seen while filling this batch. */
  ignored: number;
}

/** The first batch's size; the next ones double up to the batch size. */
const FIRST_BATCH = 128;

/**
 * Batches of `size` images in walk order, the first ones smaller (128, 256, ...): a new worker
 * decodes its first full batch slowly (its code is not yet compiled), and the model can start
 * on a small one meanwhile.
 */
async function* batches(root: string, after: string | undefined, size: number): AsyncGenerator<Batch> {
  let b: Batch = { paths: [], walkErrors: [], ignored: 0 };
  let target = Math.min(size, FIRST_BATCH);
  for await (const run of walkImageRuns(root, after)) {
    for (const e of run) {
      if (e.kind === 'image') b.paths.push(e.path);
      else if (e.kind === 'ignored') b.ignored++;
      else b.walkErrors.push(e);
      if (b.paths.length === target) {
        yield b;
        b = { paths: [], walkErrors: [], ignored: 0 };
        target = Math.min(size, 2 * target);
      }
    }
  }
  if (b.paths.length + b.walkErrors.length + b.ignored > 0) yield b;
}

export interface StageOptions {
  input: string;
  /** Resume point: files at or before it are skipped. */
  after: string | undefined;
  batch: number;
  width: number;
  height: number;
}

export async function decodeInOrder(
  o: StageOptions,
  pool: DecodePool,
  consume: (batch: Batch, decoded: DecodeResult) => Promise<void> | void,
): Promise<void> {
  const ahead: { batch: Batch; result: Promise<DecodeResult> }[] = [];
  const depth = 2 * pool.size + 1;
  const next = async () => {
    const { batch, result } = ahead.shift()!;
    await consume(batch, await result);
  };
  try {
    for await (const batch of batches(o.input, o.after, o.batch)) {
      ahead.push({ batch, result: pool.decode({ root: o.input, paths: batch.paths, width: o.width, height: o.height }) });
      if (ahead.length > depth) await next();
    }
    while (ahead.length > 0) await next();
  } finally {
    // If consume threw, the batches still decoding must not become unhandled rejections.
    for (const a of ahead) a.result.catch(() => undefined);
  }
}
