/**
 * Tar shards (the WebDataset layout img2dataset writes): the image members of a .tar, read in
 * the archive's order straight into memory, never unpacked to disk. A member is named
 * `<tar path>/<member name>`. A member cut short by the archive's end, or the archive itself past
 * a header that does not parse, is an error entry like any bad file.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { isImageName, tarMemberName, tarStopProblem, UserError } from '@aae-map/shared';
import { DEFAULT_MAX_PIXELS, maxFileBytes } from '@aae-map/shared/decode';
import { extract, type Header } from 'tar-stream';
import type { SourceEntry } from './walk-batches.ts';

/** Entries are handed on in runs of this many, so that a consumer pays one await per run. */
const RUN = 64;

export interface TarOptions {
  /** Larger members are listed as errors without being read (see maxFileBytes). @default DEFAULT_MAX_PIXELS */
  maxPixels?: number | undefined;
  /** Whether to pass over an entry without reading its bytes (it is before the resume point). */
  skip?: (entry: SourceEntry) => boolean;
}

/** A member's name in the text form (tarMemberName: the page's rule too); tar-stream gives names as latin1, one char a byte. */
function memberName(h: Header): string {
  const pax = (h.pax as { path?: string } | null | undefined)?.path;
  return tarMemberName(pax, Buffer.from(h.name, 'latin1'));
}

/** What a member is before its bytes are read: undefined for folders and links, which are not files. */
function entryOf(h: Header, path: string, maxBytes: number): SourceEntry | undefined {
  if (h.type !== 'file' && h.type !== 'contiguous-file') return undefined;
  if (!isImageName(path)) return { kind: 'ignored', path };
  if (h.size === 0) return { kind: 'error', path, reason: 'empty file' };
  if (h.size > maxBytes) return { kind: 'error', path, reason: `file is ${h.size} bytes, more than the ${maxBytes} read (--max-pixels)` };
  return { kind: 'image', path };
}

async function readAll(stream: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const data = new Uint8Array(size);
  let got = 0;
  for await (const chunk of stream) {
    data.set(chunk.subarray(0, size - got), got);
    got += chunk.length;
  }
  return data;
}

const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]!;

/** The entries of the tar `file`, named under `prefix` (its path in the run's text form), in runs. */
export async function* tarRuns(file: string | Buffer, prefix: string, opts: TarOptions = {}): AsyncGenerator<SourceEntry[]> {
  const maxBytes = maxFileBytes(opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  const tar = extract({ filenameEncoding: 'latin1' } as object);
  pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), tar, () => {});
  let run: SourceEntry[] = [];
  /** Whether to hand `e` on (in `run`): the skip predicate sees each entry once. */
  const keep = (e: SourceEntry) => !opts.skip?.(e);
  /** The member being read, unless it is being passed over. */
  let member: string | undefined;
  let members = 0;
  try {
    for await (const stream of tar) {
      const path = `${prefix}/${memberName(stream.header)}`;
      const e = entryOf(stream.header, path, maxBytes);
      const kept = e !== undefined && keep(e);
      if (kept && e.kind === 'image') {
        member = path;
        run.push({ ...e, data: await readAll(stream as AsyncIterable<Uint8Array>, stream.header.size) });
      } else {
        if (kept) run.push(e);
        stream.resume();
      }
      member = undefined;
      members++;
      if (run.length >= RUN) {
        yield run;
        run = [];
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw err; // from opts.skip: not the archive's fault
    // Inside a member: the archive ends (or cannot be read) before the member does.
    const e: SourceEntry = { kind: 'error', ...tarStopProblem(prefix, why(err), members, member) };
    if (member !== undefined || keep(e)) run.push(e);
  }
  if (run.length > 0) yield run;
}
