/**
 * The walk side of embed's decode stage, run in the first decode worker (decode-worker.ts): the
 * image files under the input folder in walk order, cut into batches, and the count of what the
 * batches hand out (for the progress bar).
 */
import { inShard, type ShardSpec, type WalkEntry, walkImageRuns } from '@aae-map/shared/decode';

export interface Batch {
  /** Image files, relative to the input folder. */
  paths: string[];
  /** Entries the walk cannot use (unreadable folders, broken links, FIFOs...), reported with this batch. */
  walkErrors: { path: string; reason: string }[];
  /** Files without an image extension seen while filling this batch. */
  ignored: number;
}

/** The first batch's size; the next ones double up to the batch size. */
export const FIRST_BATCH = 128;

/**
 * Batches of `size` images in walk order, the first ones smaller (128, 256, ...): a new worker
 * decodes its first full batch slowly (its code is not yet compiled), and the model can start
 * on a small one meanwhile. With `shard`, only that share's entries (ignored ones too, so that
 * each is counted by one shard).
 */
export async function* batches(root: string, after: string | undefined, size: number, shard?: ShardSpec): AsyncGenerator<Batch> {
  let b: Batch = { paths: [], walkErrors: [], ignored: 0 };
  let target = Math.min(size, FIRST_BATCH);
  for await (const run of walkImageRuns(root, after)) {
    for (const e of run) {
      if (!inShard(e.path, shard)) continue;
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

/** What a batch hands out to be embedded or reported: each counts once in the progress bar. */
export const handled = (b: Batch) => b.paths.length + b.walkErrors.length;

/**
 * Counts what the batches of a walk of `root` (after `after`) hand out, one directory run per
 * step, so that a worker can count between batches.
 */
export class FileCounter {
  private readonly runs: AsyncGenerator<WalkEntry[]>;
  files = 0;
  done = false;

  constructor(
    root: string,
    after: string | undefined,
    private readonly shard?: ShardSpec,
  ) {
    this.runs = walkImageRuns(root, after);
  }

  /** Counts the next run of entries (at most 256; see walkImageRuns) and returns its length. */
  async step(): Promise<number> {
    const next = await this.runs.next();
    if (next.done) {
      this.done = true;
      return 0;
    }
    for (const e of next.value) if (e.kind !== 'ignored' && inShard(e.path, this.shard)) this.files++;
    return next.value.length;
  }
}

/** What the batches of a walk of `root` hand out (see `handled`), after `after` in walk order when given, of `shard`'s share. */
export async function countFiles(root: string, after?: string, shard?: ShardSpec): Promise<number> {
  const c = new FileCounter(root, after, shard);
  while (!c.done) await c.step();
  return c.files;
}
