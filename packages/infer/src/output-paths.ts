/**
 * Where embed may write, checked before any work (before the model opens or a file is
 * decoded): --out, its errors file and --plot must be files in existing folders that this
 * process can write; never the model, nor anything under --input (real paths, so symlinks
 * count); and a file already there is replaced only if embed wrote it, or --overwrite says so.
 */
import type { Stats } from 'node:fs';
import { lstat, open, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { describeSystemError, isPointsHeader, isScatterPng, UserError } from '@aae-map/shared';
import { readCsvHeader, readHead } from './csv-file.ts';
import { ERROR_COLUMNS, errorsPathFor } from './outputs.ts';
import { parquet } from './points-output.ts';
import { isParquetOut } from './points-sink.ts';
import { metaPathFor, readMetaFile } from './run-meta.ts';

export interface OutputPaths {
  /** What the run reads (a folder, a tar, a list file), which it must not write; undefined for standard input. */
  input: string | undefined;
  out: string;
  /** Never written over; embed-check's --merge has none. */
  model?: string;
  plot?: string | undefined;
  overwrite: boolean;
  resume: boolean;
  /** The flag that names `out`, for the messages. @default '--out' (embed-check says '--merge', and has no --overwrite) */
  outFlag?: '--out' | '--merge';
}

interface Target {
  /** How messages name it: '--out points.csv'. */
  name: string;
  path: string;
  /** The flag that chooses it, for "choose another ...". */
  flag: '--out' | '--merge' | '--plot';
  /** A file name to suggest when the path is a folder. */
  example?: string;
  /** Whether an existing, non-empty file is one embed wrote, so a run may replace it. */
  ours: (file: string) => Promise<boolean>;
  /** What to say when it is not: the refusal, given --overwrite and --resume. */
  refusal: string;
  /** Written through a sibling temp file and a rename (writeFileAtomic), not in place. */
  atomic?: boolean;
}

const headerIs = async (file: string, want: (h: string[]) => boolean) => want((await readCsvHeader(file)) ?? []);

function targets(o: OutputPaths): Target[] {
  const errors = errorsPathFor(o.out);
  const isParquet = isParquetOut(o.out);
  const kind = isParquet ? 'a Parquet points file' : 'a points.csv';
  const flag = o.outFlag ?? '--out';
  const overwrite = flag === '--out' ? 'pass --overwrite to replace it, or ' : '';
  const list: Target[] = [
    {
      name: `${flag} ${o.out}`,
      path: o.out,
      flag,
      example: 'points.csv',
      ours: isParquet ? async (f) => (await parquet()).isPointsParquet(f) : (f) => headerIs(f, isPointsHeader),
      refusal: o.resume
        ? `${o.out} is not ${kind} from embed, so --resume cannot continue it; choose another --out`
        : o.overwrite
          ? ''
          : `${o.out} already exists and is not ${kind} from embed; ${overwrite}choose another ${flag}`,
      atomic: isParquet,
    },
    {
      name: `errors file ${errors}`,
      path: errors,
      flag,
      ours: (f) => headerIs(f, (h) => h.join(',') === ERROR_COLUMNS.join(',')),
      // Not even --overwrite: the user named --out, not this file.
      refusal: `${errors} already exists and is not an errors list from embed; move it away or choose another ${flag}`,
    },
    {
      name: `run record ${metaPathFor(o.out)}`,
      path: metaPathFor(o.out),
      flag,
      ours: async (f) => (await readMetaFile(f)) !== undefined,
      refusal: `${metaPathFor(o.out)} already exists and is not a run record from embed; move it away or choose another ${flag}`,
      atomic: true,
    },
  ];
  if (o.plot !== undefined) {
    list.push({
      name: `--plot ${o.plot}`,
      path: o.plot,
      flag: '--plot',
      example: 'map.png',
      ours: async (f) => isScatterPng(await readHead(f, 64)),
      refusal: o.overwrite
        ? ''
        : `${o.plot} already exists and is not a plot from embed; pass --overwrite to replace it, or choose another --plot`,
      atomic: true,
    });
  }
  return list;
}

/** Turns a system error into a one-line UserError about `name`; rethrows anything else. */
function asUserError(name: string, err: unknown): never {
  const why = describeSystemError(err);
  throw why === undefined ? err : new UserError(`cannot write ${name}: ${why}`);
}

/** The target's real path (one that does not exist yet resolves through its folder) and its stats. */
async function locate(t: Target): Promise<{ real: string; stats: Stats | undefined }> {
  const folder = dirname(t.path);
  const realFolder = await realpath(folder).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new UserError(`folder ${folder} of ${t.name} does not exist; create it first or choose another ${t.flag}`);
    return asUserError(t.name, err);
  });
  const stats = await stat(t.path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : asUserError(t.name, err)));
  // A dangling symlink resolves nowhere, yet writing through it creates its target.
  if (!stats && (await lstat(t.path).catch(() => undefined))?.isSymbolicLink()) {
    throw new UserError(`${t.name} is a symlink to a missing file; remove it or choose another ${t.flag}`);
  }
  return { real: stats ? await realpath(t.path) : join(realFolder, basename(t.path)), stats };
}

const inside = (folder: string, file: string) => {
  const rel = relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

/** Opens without changing anything: an existing file for writing, or creates and removes a new one. */
async function probeWritable(file: string, exists: boolean): Promise<void> {
  const handle = await open(file, exists ? 'r+' : 'wx');
  await handle.close();
  if (!exists) await unlink(file);
}

/** Refuses, with one line, any output path a run must not or cannot write; see the file comment. */
export async function checkOutputPaths(o: OutputPaths): Promise<void> {
  const realInput = o.input === undefined ? undefined : await realpath(o.input);
  const realModel = o.model === undefined ? undefined : await realpath(o.model).catch(() => undefined);
  const seen = new Map<string, string>();
  for (const t of targets(o)) {
    const { real, stats } = await locate(t);
    if (stats?.isDirectory()) {
      throw new UserError(
        `${t.name} is a folder; ${t.example ? `give a file name, such as ${join(t.path, t.example)}` : `move it away or choose another ${t.flag}`}`,
      );
    }
    if (real === realModel) throw new UserError(`${t.name} is the model (--model ${o.model}); choose another ${t.flag}`);
    if (real === realInput) throw new UserError(`${t.name} is the input (${o.input}); choose another ${t.flag}`);
    if (realInput !== undefined && inside(realInput, real))
      throw new UserError(`${t.name} is inside --input ${o.input}; write it outside the folder being embedded`);
    const same = seen.get(real);
    if (same !== undefined) throw new UserError(`${t.name} is the same file as ${same}; choose another ${t.flag}`);
    seen.set(real, t.name);
    const exists = stats !== undefined;
    if (exists && stats.size > 0 && t.refusal && !(await t.ours(real))) throw new UserError(t.refusal);
    const probe = t.atomic ? join(dirname(real), `.${basename(real)}.${process.pid}.probe`) : real;
    await probeWritable(probe, exists && !t.atomic).catch((err) => asUserError(t.name, err));
  }
  if (isParquetOut(o.out)) await (await parquet()).checkPartsFolder(o.out);
}
