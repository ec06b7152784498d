/**
 * `embed-check --merge out.csv`: the rows of all shards in one points file, in walk order, as
 * one unsharded run would have written it, with its errors file and run record. It is written
 * beside the target and renamed over it only when the check passes, and it may replace only
 * what embed may (output-paths.ts): a points file, errors list or record that embed wrote.
 */
import { realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { csvRecord } from '@aae-map/shared';
import { UserError } from '@aae-map/shared/cli';
import { CsvAppender } from './csv-file.ts';
import { checkOutputPaths } from './output-paths.ts';
import { ERROR_COLUMNS, errorsPathFor } from './outputs.ts';
import { metaPathFor, type RunMeta, writeRunMeta } from './run-meta.ts';

/** A file written under a temporary name beside `target`, in batches of about 1 MiB. */
class StagedCsv {
  private readonly file: CsvAppender;
  private pending = '';
  rows = 0;

  constructor(
    readonly target: string,
    header: string[],
  ) {
    this.file = new CsvAppender(join(dirname(target), `.${basename(target)}.${process.pid}.tmp`), 'w');
    this.file.write(csvRecord(header));
  }

  add(fields: string[]): void {
    this.pending += csvRecord(fields);
    this.rows++;
    if (this.pending.length > 1 << 20) this.flush();
  }

  private flush(): void {
    this.file.write(this.pending);
    this.pending = '';
  }

  async commit(): Promise<void> {
    this.flush();
    this.file.close();
    await rename(this.file.file, this.target);
  }

  async discard(): Promise<void> {
    this.file.close();
    await rm(this.file.file, { force: true });
  }
}

export class MergeWriter {
  private constructor(
    private readonly points: StagedCsv,
    private readonly errors: StagedCsv,
  ) {}

  /** Refuses a target that is one of the outputs, or that embed may not write (output-paths.ts). */
  static async open(target: string, input: string, columns: string[], outputs: string[]): Promise<MergeWriter> {
    if (target.toLowerCase().endsWith('.parquet'))
      throw new UserError(
        `--merge ${target}: the merge is written as CSV; name a .csv file (Parquet parts need no merge: DuckDB reads 'dir/*.parquet' as one table)`,
      );
    const real = await realpath(target).catch(() => undefined);
    for (const out of outputs)
      if (real !== undefined && real === (await realpath(out).catch(() => undefined)))
        throw new UserError(`--merge ${target} is one of the --outputs; choose another file`);
    await checkOutputPaths({ input, out: target, overwrite: false, resume: false, outFlag: '--merge' });
    return new MergeWriter(new StagedCsv(target, columns), new StagedCsv(errorsPathFor(target), [...ERROR_COLUMNS]));
  }

  row(fields: string[]): void {
    this.points.add(fields);
  }

  error(fields: string[]): void {
    this.errors.add(fields);
  }

  /** Puts the merged files in place; the record is the shards' (`meta`), as one unsharded run. */
  async finish(meta: RunMeta | undefined): Promise<void> {
    await this.points.commit();
    const target = this.points.target;
    if (this.errors.rows > 0) await this.errors.commit();
    else await this.errors.discard().then(() => rm(errorsPathFor(target), { force: true }));
    if (meta) await writeRunMeta(target, { ...meta, shard: null, finished: true });
    else await rm(metaPathFor(target), { force: true });
  }

  async abandon(): Promise<void> {
    await this.points.discard();
    await this.errors.discard();
  }
}
