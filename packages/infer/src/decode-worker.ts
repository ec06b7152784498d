/**
 * Worker entry for DecodePool (decode-pool.ts). The first worker walks the input folder, cuts it
 * into batches, decodes its share (every n-th batch of n workers) and sends the others to their
 * workers; every worker posts its decoded batches to the main thread, which runs the model. The
 * walk is here, not on the main thread, because the model's thread is embed's bottleneck and a
 * decode worker has time to spare (a walk is ~0.85 µs a file, a 28x28 PNG's decode ~14 µs, the
 * model's ~23 µs).
 *
 * The main thread grants batch numbers as it uses batches, which bounds the batches in memory.
 * While waiting for a grant, the first worker counts the files for the progress bar, from
 * `countAfterMs` on (embed: 1 s), since the count is a second walk of the folder. On 20,000 28x28
 * PNGs (0.6 s in all) counting from the start cost ~20 ms (medians of 25 runs); an ETA matters
 * on long runs, and it shows once the count is done (~15 ms per 20,000 files). A walk that ends
 * first has counted the files itself.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { UserError } from '@aae-map/shared';
import { decodeBatch } from '@aae-map/shared/decode';
import { counterFor, sourceRuns } from './sources.ts';
import type { FromWorker, ToPeer, ToWorker } from './stage-protocol.ts';
import { type Batch, batches, handled } from './walk-batches.ts';

const main = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => main.postMessage(m, transfer);

/** Batches past the first ones (128 + 256 + 512 + 1024 images): the code is warm by then, so counting may take a step after each. */
const WARM_BATCHES = 4;

async function decodeAndPost({ seq, batch, stage }: ToPeer): Promise<void> {
  const { data, ...rest } = batch; // the model's thread needs the paths, not the bytes
  const result = await decodeBatch({
    root: stage.input,
    paths: batch.paths,
    width: stage.width,
    height: stage.height,
    channels: stage.channels,
    maxPixels: stage.maxPixels,
    convertColour: stage.convertColour,
    data,
  });
  post({ kind: 'batch', seq, batch: rest, result }, [result.pixels.buffer as ArrayBuffer]);
}

let granted = 0;
/** The first grant: the batches the main thread lets the walk be ahead of the one it uses. */
let firstGrant: number | undefined;
let wake: (() => void) | undefined;

/**
 * Tar members' bytes in the batches walked and not yet used, by batch number. The walk waits while
 * they pass DATA_AHEAD_BYTES: the grants bound the batches, and these bound the bytes of shards of
 * large images.
 */
const dataAhead = new Map<number, number>();
let dataHeld = 0;
const DATA_AHEAD_BYTES = 64 << 20;

function grant(upTo: number): void {
  firstGrant ??= upTo;
  granted = Math.max(granted, upTo);
  for (const [seq, bytes] of dataAhead) {
    if (seq >= granted - firstGrant) continue;
    dataHeld -= bytes;
    dataAhead.delete(seq);
  }
  wake?.();
}

/** Counts a batch's member bytes into dataHeld; returns the buffers, to move (not copy) them to a peer. */
function holdData(seq: number, batch: Batch): ArrayBuffer[] {
  if (!batch.data) return [];
  const buffers = batch.data.filter((d) => d !== undefined).map((d) => d.buffer as ArrayBuffer);
  const bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
  dataAhead.set(seq, bytes);
  dataHeld += bytes;
  return buffers;
}

async function walk(stage: ToWorker & { kind: 'walk' }): Promise<void> {
  const { ports } = stage;
  grant(stage.grant);
  const counter = counterFor(stage.stage);
  let countNow = false;
  const timer = setTimeout(() => {
    countNow = true;
    wake?.(); // an idle worker counts now
  }, stage.countAfterMs);
  let walked = false;
  /** Counts at least `entries` entries (or to the end), once it is time; false when there is nothing to do. */
  const countStep = async (entries: number) => {
    if (walked || counter.done || !countNow) return false;
    for (let seen = 0; seen < entries && !counter.done; ) seen += await counter.step();
    if (counter.done) {
      clearTimeout(timer);
      if (counter.files !== undefined) post({ kind: 'total', files: counter.files });
    }
    return true;
  };
  const it = batches(sourceRuns(stage.stage), stage.stage.batch, stage.stage.skip, stage.stage.shard);
  const own: ToPeer[] = [];
  let seq = 0;
  let files = 0;
  for (;;) {
    // Walk until this worker has a batch and the next one would be its own again, handing the
    // others theirs on the way, so that they have work while it decodes; walking further first
    // would hold up its own decoding.
    while (!walked && seq < granted && dataHeld < DATA_AHEAD_BYTES && (own.length === 0 || seq % (ports.length + 1) !== 0)) {
      const next = await it.next();
      if (next.done) {
        walked = true;
        // The walk has counted them now; the total goes first, so it reaches the bar before the last batch.
        if (!counter.done) post({ kind: 'total', files });
        clearTimeout(timer);
        post({ kind: 'walked', batches: seq });
        break;
      }
      files += handled(next.value);
      const job: ToPeer = { seq, batch: next.value, stage: stage.stage };
      const to = seq % (ports.length + 1);
      const buffers = holdData(seq, job.batch);
      if (to === 0) own.push(job);
      else (ports[to - 1] as MessagePort).postMessage(job, buffers);
      seq++;
    }
    const job = own.shift();
    if (job) {
      await decodeAndPost(job);
      // A count that goes on when this worker is never idle (the decoders are the slower stage):
      // twice as many entries as the walk hands out per batch of its own, so it catches up.
      if (job.seq >= WARM_BATCHES) await countStep(2 * (ports.length + 1) * job.batch.paths.length);
    } else if (walked) {
      return;
    } else if (!(await countStep(1))) {
      await new Promise<void>((resolve) => (wake = resolve)); // until the next grant, or until it is time to count
    }
  }
}

const fail = (err: unknown) =>
  post(
    err instanceof UserError ? { kind: 'refused', message: err.message } : { kind: 'error', error: (err as Error).stack ?? String(err) },
  );

main.on('message', (m: ToWorker) => {
  if (m.kind === 'walk') walk(m).catch(fail);
  else if (m.kind === 'grant') grant(m.upTo);
  else m.port.on('message', (job: ToPeer) => void decodeAndPost(job).catch(fail));
});
post({ kind: 'ready' });
