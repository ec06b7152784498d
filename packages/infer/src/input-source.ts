/**
 * What embed reads, as the main thread sees it: a folder (--input), one tar shard (--input
 * x.tar), or a list of paths (--input-list FILE, or - for standard input). The decode worker
 * reads it (sources.ts); this checks it before any work and names it in messages.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isTarName, UserError } from '@aae-map/shared';
import { fsPath } from '@aae-map/shared/decode';
import type { Positions } from './outputs.ts';
import type { StageOptions } from './stage-protocol.ts';
import type { SourceEntry } from './walk-batches.ts';

export interface InputSource {
  /** Where the decode worker reads from. */
  stage: Pick<StageOptions, 'input' | 'only' | 'list'>;
  /** What the run reads, for the output checks (outputs must not be it or inside it); undefined for standard input. */
  protect: string | undefined;
}

export interface InputOptions {
  input?: string | undefined;
  inputList?: string | undefined;
}

/** The run's input, refused in one line when it cannot be read. */
export async function resolveInput(o: InputOptions): Promise<InputSource> {
  if ((o.input === undefined) === (o.inputList === undefined))
    throw new UserError(
      'give --input (a folder of images, or a .tar shard) or --input-list (a file of paths, - for standard input), not both',
    );
  if (o.inputList !== undefined) {
    const list = o.inputList;
    if (list === '-') return { stage: { input: '.', list }, protect: undefined };
    const s = await stat(list).catch(() => undefined);
    if (!s) throw new UserError(`--input-list ${list} does not exist; give a file with one image path a line (or - for standard input)`);
    if (s.isDirectory()) throw new UserError(`--input-list ${list} is a folder; give a file of paths, or pass the folder as --input`);
    // Relative lines are relative to the list's folder, so a list can travel with its images.
    return { stage: { input: dirname(list), list }, protect: list };
  }
  const input = o.input!;
  const s = await stat(input).catch(() => undefined);
  if (!s) throw new UserError(`--input ${input} does not exist; give a folder of images (try 'pnpm sample-images --out ${input}')`);
  if (s.isDirectory()) return { stage: { input }, protect: input };
  if (isTarName(input)) return { stage: { input: dirname(input), only: basename(input) }, protect: input };
  throw new UserError(
    `--input ${input} is not a folder or a .tar; give the folder that holds the images, or feature vectors as a .npy, .csv or .parquet file`,
  );
}

/**
 * A resume point that is not in the input means the output came from another input. A walk's
 * point is a file under the folder, or a member of a tar there; a list's is checked as the list
 * is read again (sources.ts).
 */
export async function checkResumePoint(src: InputSource, out: string, after: string | undefined): Promise<void> {
  if (after === undefined || src.stage.list !== undefined) return;
  const file = tarOf(after) ?? after;
  const inside = src.stage.only === undefined || file === src.stage.only;
  if (inside && (await stat(fsPath(src.stage.input, file)).catch(() => undefined))) return;
  throw new UserError(
    `${out} ends with '${after}', which is not under ${src.protect}; resume with the --input of that run, or drop --resume to start over`,
  );
}

/** The tar a walk path is a member of, if any: its path up to the first .tar segment. */
function tarOf(path: string): string | undefined {
  const segments = path.split('/');
  const tar = segments.findIndex((segment) => isTarName(segment));
  return tar < 0 || tar === segments.length - 1 ? undefined : segments.slice(0, tar + 1).join('/');
}

/**
 * Where each member of the tar that a walk's resume point is in comes in that tar: a tar's order
 * is not its names' order, and a CSV resume keeps the errors at or before that point (outputs.ts).
 * Reads the tar's headers once; undefined when the point is not in a tar.
 */
export async function tarPositions(src: InputSource, after: string | undefined): Promise<Positions | undefined> {
  const tar = after === undefined || src.stage.list !== undefined ? undefined : tarOf(after);
  if (tar === undefined) return undefined;
  const order = new Map<string, number>();
  const record = (e: SourceEntry) => {
    order.set(e.path, order.size);
    return true;
  };
  const { tarRuns } = await import('./tar-members.ts');
  for await (const _ of tarRuns(fsPath(src.stage.input, tar), tar, { skip: record }));
  return (path) => order.get(path);
}
