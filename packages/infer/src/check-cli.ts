/** `embed-check --input images/ --outputs 'points-*.csv'`: thin wrapper over checkRun (embed-check.ts). */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { action, cliProgram, example, UserError } from '@aae-map/shared/cli';
import type { CheckResult, FileStatus } from './embed-check.ts';

interface CheckCliOptions {
  input: string;
  outputs: string[];
  merge?: string;
  report?: string;
}

const WILDCARD = /[*?]/;

/** `*` and `?` of a file-name pattern as a RegExp; like a shell, neither matches a leading dot. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^(?!\\.)${body}$`, 's');
}

/** The points files a pattern names, without the errors lists and run records of the others. */
async function expand(pattern: string): Promise<string[]> {
  if (!WILDCARD.test(pattern)) return [pattern];
  const folder = dirname(pattern);
  if (WILDCARD.test(folder)) throw new UserError(`--outputs ${pattern}: only the file name may hold * or ?, not the folder`);
  const names = await readdir(folder).catch(() => {
    throw new UserError(`--outputs ${pattern}: folder ${folder} cannot be read; check the path`);
  });
  const all = new Set(names);
  const sidecar = (name: string) =>
    ['.errors.csv', '.meta.json'].some((suffix) => name.endsWith(suffix) && all.has(name.slice(0, -suffix.length)));
  const re = patternRegExp(basename(pattern));
  const picked = names.filter((n) => re.test(n) && !sidecar(n)).sort();
  const files: string[] = [];
  for (const n of picked) if ((await stat(join(folder, n)).catch(() => undefined))?.isFile()) files.push(join(folder, n));
  if (files.length === 0) throw new UserError(`--outputs ${pattern} matches no file; give the points files the shards wrote`);
  return files;
}

const LABELS: [FileStatus, string][] = [
  ['embedded', 'embedded once'],
  ['bad', 'listed as bad (in an errors file)'],
  ['missing', 'missing (in no output)'],
  ['duplicated', 'duplicated (in more than one row or output)'],
  ['not under --input', 'rows for files not under --input'],
];

/** The report on stdout: the counts, what makes the outputs not one run, examples of each failure, the verdict. */
function printResult(r: CheckResult, input: string, outputs: string[], merge: string | undefined): void {
  const width = String(Math.max(r.files, ...Object.values(r.counts))).length;
  const lines = [`${r.files} files under ${input}, ${outputs.length} output${outputs.length > 1 ? 's' : ''}:`];
  for (const [status, label] of LABELS) lines.push(`  ${String(r.counts[status]).padStart(width)} ${label}`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  for (const problem of r.problems) lines.push(`problem: ${problem}`);
  for (const [status] of LABELS) for (const example of r.examples[status]) lines.push(`${status}: ${example}`);
  if (r.ok) {
    lines.push('ok: every file is accounted for exactly once');
    if (merge) lines.push(`merged into ${merge}`);
  } else {
    const rerun = [...r.missingByShard].map(([k, n]) => `shard ${k} (${n} missing)`).join(', ');
    lines.push(`incomplete${rerun ? `: rerun ${rerun} with --resume` : ''}${merge ? `; ${merge} not written` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

const program = cliProgram(
  'embed-check',
  'Check that the outputs of a sharded embed run account for every file under --input exactly once (embedded, or listed as bad); optionally merge them.',
)
  .requiredOption('--input <dir>', 'the folder the shards embedded')
  .requiredOption(
    '--outputs <files...>',
    "the shards' points files (CSV or Parquet), or patterns such as 'out/points-*.csv' (quoted; * and ? in the file name); their <out>.errors.csv and <out>.meta.json are read beside them",
  )
  .option(
    '--merge <file>',
    'if the check passes, write all rows in walk order to this points CSV (with its errors file), as one unsharded run',
  )
  .option('--report <file>', 'write every file with its status to this CSV: path,status,outputs')
  .addHelpText(
    'after',
    '\nExit status: 0 every file accounted for exactly once, 1 not (missing, duplicated, rows not under --input, or outputs of different runs), 2 usage or input error.\n' +
      example(
        'embed --input images/ --out out/points-0.csv --shard 0/2   # and --shard 1/2 elsewhere, same model',
        "embed-check --input images/ --outputs 'out/points-*.csv' --merge points.csv",
      ),
  )
  .action(
    action(async (opts: CheckCliOptions) => {
      const s = await stat(opts.input).catch(() => undefined);
      if (!s?.isDirectory()) throw new UserError(`--input ${opts.input} is not a folder; give the folder the shards embedded`);
      const outputs = [...new Set((await Promise.all(opts.outputs.map(expand))).flat())];
      const { checkRun } = await import('./embed-check.ts');
      const r = await checkRun({ ...opts, outputs });
      printResult(r, opts.input, outputs, opts.merge);
      if (!r.ok) process.exitCode = 1;
    }),
  );

await program.parseAsync();
