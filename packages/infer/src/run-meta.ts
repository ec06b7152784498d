/**
 * `<out>.meta.json`: what wrote a points file (the shard, the model's SHA-256, --style,
 * --safe-csv), kept beside it rather than in it so that the CSV stays plain RFC 4180. Written
 * atomically before the first row and again when the run ends (`finished`). --resume, a shard's
 * siblings and `embed-check` read it to refuse or flag outputs that do not belong together.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SHARD_HASH, type ShardSpec, shardName, UserError, writeFileAtomic } from '@aae-map/shared';

export const META_WRITER = 'aae-map embed';
const META_SUFFIX = '.meta.json';

export interface RunMeta {
  writer: typeof META_WRITER;
  version: 1;
  /** The share this file holds; null for a whole folder. `hash` names the rule (shared's shard.ts). */
  shard: (ShardSpec & { hash: string }) | null;
  model: { file: string; sha256: string };
  style: boolean;
  safeCsv: boolean;
  /** --input as an absolute path, so that siblings of another folder's run are told apart. */
  input: string;
  /** Whether the run got to its end; false while it runs, or after a kill. */
  finished: boolean;
}

/** Where the run record of points file `out` is: `<out>.meta.json`. */
export const metaPathFor = (out: string): string => `${out}${META_SUFFIX}`;

/** The one line for a model file that cannot be read (also openModel's, in runtime.ts). */
export const unreadableModel = (file: string, err: unknown): UserError =>
  new UserError(`cannot read model ${file} (${(err as NodeJS.ErrnoException).code}); export one with 'pnpm export ${file}'`);

/** The SHA-256 of the model file, which identifies the model in a run record. */
export async function modelSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    throw unreadableModel(file, err);
  }
  return hash.digest('hex');
}

/** Whether parsed JSON is a run record that embed wrote. */
export const isRunMeta = (x: unknown): x is RunMeta => (x as RunMeta | null)?.writer === META_WRITER && (x as RunMeta).version === 1;

/** The run record in `file`; undefined when there is none, or it is not one of embed's. */
export async function readMetaFile(file: string): Promise<RunMeta | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRunMeta(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The run record of points file `out`, as readMetaFile. */
export const readRunMeta = (out: string): Promise<RunMeta | undefined> => readMetaFile(metaPathFor(out));

export const writeRunMeta = (out: string, meta: RunMeta): Promise<void> =>
  writeFileAtomic(metaPathFor(out), `${JSON.stringify(meta, null, 2)}\n`);

/** What a run is, for its record: everything but `finished`. */
export interface RunIdentity {
  out: string;
  input: string;
  model: string;
  shard?: ShardSpec | undefined;
  style: boolean;
  safeCsv: boolean;
}

export async function runMetaFor(id: RunIdentity): Promise<RunMeta> {
  return {
    writer: META_WRITER,
    version: 1,
    shard: id.shard ? { ...id.shard, hash: SHARD_HASH } : null,
    model: { file: basename(id.model), sha256: await modelSha256(id.model) },
    style: id.style,
    safeCsv: id.safeCsv,
    input: resolve(id.input),
    finished: false,
  };
}

const describeShard = (s: RunMeta['shard']) => (s ? `shard ${s.index}/${s.count}` : 'a whole folder (no --shard)');

/** How two records of the same folder's outputs differ in what must match: the model, then --style; undefined when they agree. */
export function differsFrom(a: RunMeta, b: RunMeta): string | undefined {
  if (a.model.sha256 !== b.model.sha256) return `another model (${b.model.file}, sha256 ${b.model.sha256.slice(0, 12)}…)`;
  if (a.style !== b.style) return b.style ? '--style' : 'no --style';
  return undefined;
}

/** --resume continues a file only with the shard, model and --style that began it. */
export function checkResumeMeta(out: string, earlier: RunMeta | undefined, now: RunMeta, rows: number): void {
  const drop = 'or drop --resume to start over';
  if (!earlier) {
    if (now.shard && rows > 0)
      throw new UserError(`${out} has no ${basename(metaPathFor(out))}, so which shard wrote it is unknown; ${drop}`);
    return;
  }
  const was = earlier.shard ? shardName(earlier.shard) : undefined;
  if (was !== (now.shard ? shardName(now.shard) : undefined))
    throw new UserError(
      `${out} holds ${describeShard(earlier.shard)}, this run ${describeShard(now.shard)}; resume with ${was ? `--shard ${was}` : 'no --shard'}, ${drop}`,
    );
  const diff = differsFrom(now, earlier);
  if (diff) throw new UserError(`${out} was embedded with ${diff}; resume with the same --model and --style, ${drop}`);
}

/**
 * A shard refuses to start beside outputs of its siblings (the other shards of the same count
 * for the same --input, in --out's folder) that used another model or --style, or that hold
 * its own share under another name. Siblings that start at the same moment can miss each
 * other; embed-check compares every record after the run.
 */
export async function checkSiblings(out: string, now: RunMeta): Promise<void> {
  if (!now.shard) return;
  const folder = dirname(out);
  const own = resolve(metaPathFor(out));
  for (const name of await readdir(folder)) {
    if (!name.endsWith(META_SUFFIX) || resolve(folder, name) === own) continue;
    const sibling = name.slice(0, -META_SUFFIX.length);
    const meta = await readRunMeta(join(folder, sibling));
    if (!meta?.shard || meta.shard.count !== now.shard.count || meta.input !== now.input) continue;
    const where = `${join(folder, sibling)} (shard ${shardName(meta.shard)} of the same --input)`;
    const diff = differsFrom(now, meta);
    if (diff)
      throw new UserError(
        `${where} was embedded with ${diff}; give every shard the same --model and --style, or move the old outputs away`,
      );
    if (meta.shard.index === now.shard.index)
      throw new UserError(`${where} already holds this shard; resume it there (--out ${join(folder, sibling)} --resume), or move it away`);
  }
}
