/**
 * The walk side of embed's decode stage, run in the first decode worker (decode-worker.ts): the
 * image files under the input folder in walk order, cut into batches, and the count of what the
 * batches hand out (for the progress bar).
 */
import { isTarName } from '@aae-map/shared';
import { inShard, type ShardSpec, type WalkEntry, walkImageRuns } from '@aae-map/shared/decode';

/** An entry of embed's input: a walk's, or a list line's, or a tar member's, which comes with its bytes. */
export type SourceEntry = WalkEntry & { data?: Uint8Array };

export interface Batch {
  /** Image files, relative to the input folder. */
  paths: string[];
  /** Entries the walk cannot use (unreadable folders, broken links, FIFOs...), reported with this batch. */
  walkErrors: { path: string; reason: string }[];
  /** Files without an image extension seen while filling this batch. */
  ignored: number;
  /** The bytes of the images that are not files of their own (tar members), by index into `paths`. */
  data?: (Uint8Array | undefined)[];
  /** The batch's last image or error in input order: --resume goes on after it. */
  last?: string;
  /** Entries of the input (of every kind, from its start) read up to the batch's end. */
  end: number;
}

/** Member bytes that cut a batch short, so that tar shards of large images do not fill memory. */
const BATCH_DATA_BYTES = 16 << 20;

/** The first batch's size; the next ones double up to the batch size. */
export const FIRST_BATCH = 128;

/**
 * Batches of `size` images in walk order, the first ones smaller (128, 256, ...): a new worker
 * decodes its first full batch slowly (its code is not yet compiled), and the model can start
 * on a small one meanwhile. With `shard`, only that share's entries (ignored ones too, so that
 * each is counted by one shard).
 */
export async function* batches(runs: AsyncIterable<SourceEntry[]>, size: number, start = 0, shard?: ShardSpec): AsyncGenerator<Batch> {
  let end = start;
  const empty = (): Batch => ({ paths: [], walkErrors: [], ignored: 0, end });
  let b = empty();
  let bytes = 0;
  let target = Math.min(size, FIRST_BATCH);
  for await (const run of runs) {
    for (const e of run) {
      b.end = ++end;
      if (!inShard(e.path, shard)) continue;
      if (e.kind === 'ignored') {
        b.ignored++;
        continue;
      }
      b.last = e.path;
      if (e.kind === 'error') b.walkErrors.push(e);
      else {
        if (e.data) {
          b.data ??= [];
          b.data[b.paths.length] = e.data;
          bytes += e.data.length;
        }
        b.paths.push(e.path);
      }
      if (b.paths.length === target || bytes >= BATCH_DATA_BYTES) {
        yield b;
        b = empty();
        bytes = 0;
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
  /** Undefined when the walk cannot count them: it holds tar shards, whose members only a read of each would count. */
  files: number | undefined = 0;
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
    for (const e of next.value) {
      if (e.kind !== 'ignored') {
        if (inShard(e.path, this.shard)) this.files! += 1;
      } else if (isTarName(e.path)) {
        this.files = undefined;
        this.done = true;
        break;
      }
    }
    return next.value.length;
  }
}

/** What the batches of a walk of `root` hand out (see `handled`), after `after` in walk order when given, of `shard`'s share. */
export async function countFiles(root: string, after?: string, shard?: ShardSpec): Promise<number | undefined> {
  const c = new FileCounter(root, after, shard);
  while (!c.done) await c.step();
  return c.files;
}
