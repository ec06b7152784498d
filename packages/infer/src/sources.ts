/**
 * What embed's decode worker reads (decode-worker.ts): the entries of its input in input order,
 * in runs. An input is a folder walk (walkImageRuns), in which every .tar is read as a shard of
 * members (tar-members.ts); one tar file; or a list of paths, one a line (--input-list), whose
 * .tar lines are shards too.
 */
import { createReadStream } from 'node:fs';
import { encodeNameBytes, isImageName, isTarName, UserError } from '@aae-map/shared';
import { fsPath, walkImageRuns } from '@aae-map/shared/decode';
import type { StageOptions } from './stage-protocol.ts';
import type { TarOptions } from './tar-members.ts';
import { FileCounter, type SourceEntry } from './walk-batches.ts';

/** tar-members.ts, loaded on the first tar: a folder of images does not pay for tar-stream at the worker's start. */
async function* tarRuns(file: string | Buffer, prefix: string, opts: TarOptions): AsyncGenerator<SourceEntry[]> {
  const tar = await import('./tar-members.ts');
  yield* tar.tarRuns(file, prefix, opts);
}

/** List lines are handed on in runs of this many. */
const RUN = 256;

/** Counts the files a walk hands out, for the progress bar; a list or a tar is not counted (the count would read it twice). */
export function counterFor(o: StageOptions): FileCounter {
  const c = new FileCounter(o.input, o.after, o.shard);
  if (o.list !== undefined || o.only !== undefined) {
    c.files = undefined;
    c.done = true;
  }
  return c;
}

/** The entries of `o`'s input after its resume point (o.after for walks, o.skip entries for lists). */
export function sourceRuns(o: StageOptions): AsyncGenerator<SourceEntry[]> {
  if (o.list !== undefined) return listRuns(o);
  if (o.only !== undefined) return tarRuns(fsPath(o.input, o.only), o.only, tarOptions(o, o.only));
  return walkRuns(o);
}

/** With a resume point inside this tar, its members up to that point are passed over. */
function tarOptions(o: StageOptions, tar: string): TarOptions {
  const after = o.after;
  if (after === undefined || !after.startsWith(`${tar}/`)) return { maxPixels: o.maxPixels };
  let passed = false;
  return {
    maxPixels: o.maxPixels,
    skip: (e) => {
      if (passed) return false;
      passed = e.path === after;
      return true;
    },
  };
}

async function* walkRuns(o: StageOptions): AsyncGenerator<SourceEntry[]> {
  for await (const found of walkImageRuns(o.input, o.after)) {
    // A walk resumed after a folder goes into it; one that could not be read is listed already.
    const run = found[0]?.path === o.after ? found.slice(1) : found;
    let from = 0;
    for (let i = 0; i < run.length; i++) {
      const e = run[i]!;
      if (e.kind !== 'ignored' || !isTarName(e.path)) continue;
      if (i > from) yield run.slice(from, i);
      yield* tarRuns(fsPath(o.input, e.path), e.path, tarOptions(o, e.path));
      from = i + 1;
    }
    if (from < run.length) yield from === 0 ? run : run.slice(from);
  }
}

/** The lines of a list file ('-': standard input) as text-form paths (path-encoding.ts); empty lines are dropped. */
async function* listLines(list: string): AsyncGenerator<string[]> {
  // A worker shares the process's file descriptors, so fd 0 is the command's standard input.
  const stream = list === '-' ? createReadStream('', { fd: 0, autoClose: false }) : createReadStream(list);
  let rest = Buffer.alloc(0);
  const lines: string[] = [];
  const add = (line: Buffer) => {
    const end = line.at(-1) === 13 ? line.length - 1 : line.length;
    if (end > 0) lines.push(encodeNameBytes(line.subarray(0, end)));
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      add(buf.subarray(start, nl));
      start = nl + 1;
    }
    rest = Buffer.from(buf.subarray(start));
    if (lines.length >= RUN) yield lines.splice(0);
  }
  add(rest);
  if (lines.length > 0) yield lines;
}

/**
 * A list's entries: each line an image (or an ignored file, by its extension), each .tar line its
 * members. The first o.skip entries were handled by the run being resumed; the last of them that
 * is not ignored must be o.after, or the list is not the one that run read.
 */
async function* listRuns(o: StageOptions): AsyncGenerator<SourceEntry[]> {
  let left = o.skip ?? 0;
  let lastSkipped: string | undefined;
  const skip = (e: SourceEntry) => {
    if (left === 0) return false;
    left--;
    if (e.kind !== 'ignored') lastSkipped = e.path;
    if (left === 0 && lastSkipped !== o.after) {
      throw new UserError(
        `--input-list gives '${lastSkipped}' where the run being resumed ended at '${o.after}'; resume with the same list, or drop --resume to start over`,
      );
    }
    return true;
  };
  for await (const lines of listLines(o.list!)) {
    const run: SourceEntry[] = [];
    for (const path of lines) {
      if (isTarName(path)) {
        if (run.length > 0) yield run.splice(0);
        yield* tarRuns(fsPath(o.input, path), path, { maxPixels: o.maxPixels, skip });
        continue;
      }
      const e: SourceEntry = isImageName(path) ? { kind: 'image', path } : { kind: 'ignored', path };
      if (!skip(e)) run.push(e);
    }
    if (run.length > 0) yield run;
  }
  if (left > 0) throw new UserError(`--input-list has fewer entries than the run being resumed handled; resume with the same list`);
}
