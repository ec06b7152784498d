/**
 * Reads and decodes one batch of files into a packed pixel buffer. Runs inside embed's decode
 * workers (@aae-map/infer), on train's main thread when it reads an image folder, and in tests.
 * Files that fail are listed, not thrown, so one bad file never costs its batch.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { sep } from 'node:path';
import type { InputChannels } from '../contracts/model-metadata.ts';
import { ColourMismatchError } from './colour.ts';
import { checkHead, DecodeError, decodeImage } from './image-decode.ts';
import { DEFAULT_MAX_PIXELS } from './image-limits.ts';
import { fileTypeOf, fsPath } from './image-walk.ts';

export interface DecodeJob {
  root: string;
  /** Paths relative to root, '/'-separated, in text form (path-encoding.ts), as the walk gives them. */
  paths: string[];
  width: number;
  height: number;
  /** 1: gray pixels; 3: RGB, interleaved (image-decode.ts says how other files are converted). @default 1 */
  channels?: InputChannels;
  /** Convert images whose colour differs from the model's (colour.ts) instead of listing them as failed. @default false */
  convertColour?: boolean | undefined;
  /** Larger images are refused; see DEFAULT_MAX_PIXELS and maxFileBytes. @default DEFAULT_MAX_PIXELS */
  maxPixels?: number;
  /** Bytes already read, by index into paths (tar members): those paths are not opened. */
  data?: readonly (Uint8Array | undefined)[] | undefined;
}

export interface DecodeResult {
  /** The images that decoded, in path order, packed: ok.length x height x width x channels. */
  pixels: Uint8Array;
  /** Index into paths of each image in `pixels`. */
  ok: number[];
  /** Files that could not be used, with a one-line reason. */
  failed: { index: number; reason: string /** refused for its colour (colour.ts) */; colour?: true }[];
}

/** At most this many sharp decodes in flight per thread; each holds its file's bytes. */
const SHARP_CONCURRENCY = 4;

/** At most this many file bytes held by sharp decodes per thread, unless one file alone is larger. */
const SHARP_BYTES = 64 * 1024 * 1024;

/** Files up to this size are read in one read; larger ones are checked from this much of their start first. */
const HEAD = 1 << 16;

// One read buffer reused for small files saves an allocation per file on the fast path.
let scratch = new Uint8Array(HEAD);

/** O_NONBLOCK: a FIFO put in a file's place after the walk must not block its open; regular files do not notice it. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * The sharp decodes running in this thread and the file bytes they hold. It is per thread, not per
 * batch, because a decode worker may decode several batches at once.
 */
class SharpSlots {
  private count = 0;
  private bytes = 0;
  private waiting: (() => void)[] = [];

  private fits(bytes: number): boolean {
    return this.count === 0 || (this.count < SHARP_CONCURRENCY && this.bytes + bytes <= SHARP_BYTES);
  }

  /** Counts in a decode that holds `bytes`; the function returned counts it out. */
  enterNow(bytes: number): () => void {
    this.count++;
    this.bytes += bytes;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.count--;
      this.bytes -= bytes;
      for (const wake of this.waiting.splice(0)) wake();
    };
  }

  /** Waits until a decode that holds `bytes` fits, then counts it in (in the same step, so no other gets between). */
  async enter(bytes: number): Promise<() => void> {
    await this.room(bytes);
    return this.enterNow(bytes);
  }

  /** Waits until a decode that holds `bytes` would fit. */
  async room(bytes = 0): Promise<void> {
    while (!this.fits(bytes)) await new Promise<void>((wake) => this.waiting.push(wake));
  }
}

const sharpSlots = new SharpSlots();

const notRegular = (fd: number) => {
  const type = fileTypeOf(fstatSync(fd));
  return type === 'file' ? undefined : new DecodeError(type === 'folder' ? 'is a directory' : `not a regular file (${type})`);
};

/**
 * Opens a file and reads its start. Returns the whole file, as a view of the scratch buffer valid
 * until the next call, when it is shorter than HEAD; else its open fd and size, to be checked
 * before the rest is read.
 */
function readStart(file: string | Buffer): Uint8Array | { fd: number; size: number } {
  const fd = openSync(file, OPEN_FLAGS);
  let open = false;
  try {
    let n: number;
    try {
      n = readSync(fd, scratch, 0, HEAD, 0);
    } catch (err) {
      throw notRegular(fd) ?? err;
    }
    // A short read of a regular file means its end: small files need no fstat (a syscall and a
    // Stats object each, ~2 µs of a 15 µs decode).
    if (n === 0) throw notRegular(fd) ?? new DecodeError('empty file');
    if (n < HEAD) return scratch.subarray(0, n);
    const s = fstatSync(fd);
    if (!s.isFile()) throw notRegular(fd)!;
    open = true;
    return { fd, size: s.size };
  } finally {
    if (!open) closeSync(fd);
  }
}

/** Reads the rest of a file after `head`, which must hold its first HEAD bytes. */
function readRest(fd: number, size: number, head: Uint8Array): Uint8Array {
  const buf = new Uint8Array(Math.max(size, head.length));
  buf.set(head);
  let got = head.length;
  while (got < buf.length) {
    const k = readSync(fd, buf, got, buf.length - got, got);
    if (k === 0) break;
    got += k;
  }
  return buf.subarray(0, got);
}

/**
 * A file larger than HEAD: checked from its start (format, pixels, size) before the rest is read,
 * and read only once sharp has room for it. Returns its bytes and what counts them out of sharp's room.
 */
async function readLarge(fd: number, size: number, maxPixels: number): Promise<[Uint8Array, () => void]> {
  try {
    // Copied: another batch of this thread may read into the scratch buffer during the awaits.
    const head = scratch.slice();
    await checkHead(head, size, maxPixels);
    const leave = await sharpSlots.enter(size);
    try {
      return [readRest(fd, size, head), leave];
    } catch (err) {
      leave();
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}

function failure(index: number, err: unknown): DecodeResult['failed'][number] {
  return err instanceof ColourMismatchError ? { index, reason: err.message, colour: true } : { index, reason: describe(err) };
}

function describe(err: unknown): string {
  if (err instanceof DecodeError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return 'is a directory';
  return code ? `cannot read (${code})` : (err as Error).message.split('\n')[0]!;
}

export async function decodeBatch(job: DecodeJob): Promise<DecodeResult> {
  const channels = job.channels ?? 1;
  const size = job.width * job.height * channels;
  const maxPixels = job.maxPixels ?? DEFAULT_MAX_PIXELS;
  const slots = new Uint8Array(job.paths.length * size);
  const good = new Array<boolean>(job.paths.length).fill(false);
  const failed: DecodeResult['failed'] = [];
  const inflight: Promise<void>[] = [];
  // The walk's paths are already normal, so a prefix does what path.join would, without its normalizing.
  const dir = job.root.endsWith(sep) ? job.root : job.root + sep;
  for (let i = 0; i < job.paths.length; i++) {
    /** Counts a large file out of sharp's room, until a sharp decode takes it over. */
    let leave: (() => void) | undefined;
    try {
      const start = job.data?.[i] ?? readStart(fsPath(dir, job.paths[i]!));
      let bytes: Uint8Array;
      if (start instanceof Uint8Array) bytes = start;
      else [bytes, leave] = await readLarge(start.fd, start.size, maxPixels);
      const pending = decodeImage(bytes, job.width, job.height, slots, i * size, maxPixels, channels, job.convertColour ?? false);
      if (pending === undefined) {
        good[i] = true;
        continue;
      }
      // sharp keeps the bytes until it is done, so they must not alias the scratch buffer.
      if (bytes.buffer === scratch.buffer) scratch = new Uint8Array(HEAD);
      const done = leave ?? sharpSlots.enterNow(bytes.length);
      leave = undefined;
      const p = pending.then(
        () => {
          good[i] = true;
        },
        (err) => void failed.push(failure(i, err)),
      );
      inflight.push(p.finally(done));
      await sharpSlots.room();
    } catch (err) {
      failed.push(failure(i, err));
    } finally {
      leave?.();
    }
  }
  await Promise.all(inflight);
  return pack(slots, good, size, failed);
}

/** Moves the good images to the front, in order, and sorts failures by index. */
function pack(slots: Uint8Array, good: boolean[], size: number, failed: DecodeResult['failed']): DecodeResult {
  const ok: number[] = [];
  for (let i = 0; i < good.length; i++) {
    if (!good[i]) continue;
    if (ok.length !== i) slots.copyWithin(ok.length * size, i * size, (i + 1) * size);
    ok.push(i);
  }
  failed.sort((a, b) => a.index - b.index);
  return { pixels: slots.subarray(0, ok.length * size), ok, failed };
}
