/**
 * Tar shards given to the page (the WebDataset layout that `embed --input x.tar` reads): each
 * .tar is read with one read and its image members are decoded from memory, named
 * `<tar path>/<member>` in the archive's order, as the CLI names and orders them. One read per
 * shard instead of one per image spares the browser's per-file cost, which bounds the page's
 * rate on a folder of loose files (docs/benchmarks.md). A shard is held in memory whole, so
 * shards of many gigabytes belong on the command line.
 */
import type { PathedFile } from './file-collect.ts';
import type { FileProblem } from './file-problems.ts';
import { indexTar, isImageName, isTarName, tarStopProblem } from './shared.ts';

/** A member's place in its shard: a Blob is made only when its thumbnail is shown, since each Blob costs the browser a registration. */
export class TarMemberRef {
  constructor(
    readonly tar: Blob,
    readonly start: number,
    readonly end: number,
  ) {}
}

/** Where a point's image comes from: a picked or dropped file, or a member of a shard. */
export type ImageRef = Blob | TarMemberRef;

export const imageBlob = (ref: ImageRef): Blob => (ref instanceof TarMemberRef ? ref.tar.slice(ref.start, ref.end) : ref);

export interface ImageItem {
  path: string;
  ref: ImageRef;
  /** The image's bytes, when they are in memory already (a shard's members). */
  bytes?: Uint8Array;
}

export interface ExpandedImages {
  images: ImageItem[];
  /** Members that are not images, as embed ignores them. */
  ignored: string[];
  /** Empty members, members cut short, shards that cannot be read: with the CLI's reasons. */
  failed: FileProblem[];
}

/** The first line of an error's message. */
const why = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0]!;

async function readShard(file: Blob, path: string, out: ExpandedImages): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (err) {
    out.failed.push({ path, reason: `cannot read it in this browser (${why(err)}); embed it with the command line (embed --input)` });
    return;
  }
  const ix = indexTar(bytes);
  for (const m of ix.members) {
    if (m.type !== 'file' || m === ix.error?.cutShort) continue;
    const member = `${path}/${m.name}`;
    if (!isImageName(member)) out.ignored.push(member);
    else if (m.size === 0) out.failed.push({ path: member, reason: 'empty file' });
    else
      out.images.push({
        path: member,
        ref: new TarMemberRef(file, m.start, m.start + m.size),
        bytes: bytes.subarray(m.start, m.start + m.size),
      });
  }
  const e = ix.error;
  if (!e) return;
  out.failed.push(tarStopProblem(path, e.reason, ix.members.length, e.cutShort && `${path}/${e.cutShort.name}`));
}

/** `files` (in walk order) with each .tar replaced by its members, in the archive's order. */
export async function expandTars(files: PathedFile[]): Promise<ExpandedImages> {
  const out: ExpandedImages = { images: [], ignored: [], failed: [] };
  for (const f of files) {
    if (isTarName(f.path)) await readShard(f.file, f.path, out);
    else out.images.push({ path: f.path, ref: f.file });
  }
  return out;
}
