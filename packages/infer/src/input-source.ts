/**
 * What embed reads, as the main thread sees it: a folder (--input), one tar shard (--input
 * x.tar), or a list of paths (--input-list FILE, or - for standard input). The decode worker
 * reads it (sources.ts); this checks it before any work and names it in messages.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { UserError } from '@aae-map/shared';
import { fsPath } from '@aae-map/shared/decode';
import type { StageOptions } from './stage-protocol.ts';
import { isTarName } from './walk-batches.ts';

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
  throw new UserError(`--input ${input} is not a folder or a .tar; give the folder that holds the images`);
}

/**
 * A resume point that is not in the input means the output came from another input. A walk's
 * point is a file under the folder, or a member of a tar there; a list's is checked as the list
 * is read again (sources.ts).
 */
export async function checkResumePoint(src: InputSource, out: string, after: string | undefined): Promise<void> {
  if (after === undefined || src.stage.list !== undefined) return;
  const tar = after.split('/').findIndex((segment) => isTarName(segment));
  const file =
    tar < 0
      ? after
      : after
          .split('/')
          .slice(0, tar + 1)
          .join('/');
  const inside = src.stage.only === undefined || file === src.stage.only;
  if (inside && (await stat(fsPath(src.stage.input, file)).catch(() => undefined))) return;
  throw new UserError(
    `${out} ends with '${after}', which is not under ${src.protect}; resume with the --input of that run, or drop --resume to start over`,
  );
}
