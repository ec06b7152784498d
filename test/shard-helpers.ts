/**
 * What the sharded-embed tests share: the real `embed-check` bin, the rows of several outputs
 * taken together, and the comparison of those rows with an unsharded run.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparePaths } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { EMBED_BIN, readCsvFile, runNode } from './embed-helpers.ts';

export const CHECK_BIN = fileURLToPath(new URL('../packages/infer/bin/embed-check.js', import.meta.url));

export const runCheck = (args: string[]) => runNode([CHECK_BIN, ...args]);

/** The rows of all `files` (headers dropped), sorted in walk order by path. */
export async function unionOf(files: string[]): Promise<string[][]> {
  const rows: string[][] = [];
  for (const f of files) rows.push(...(await readCsvFile(f)).slice(1));
  return rows.sort((a, b) => comparePaths(a[0]!, b[0]!));
}

/**
 * Rows equal to the reference's row for row, paths exactly; numbers within the tolerance of
 * embed's end-to-end test (batch composition may change float32 summation order): atol 1e-4 on
 * x and y, 1e-5 on the rest.
 */
export function assertSameRows(rows: string[][], reference: string[][], what: string): void {
  assert.deepEqual(
    rows.map((r) => r[0]),
    reference.map((r) => r[0]),
    `${what}: the same files, each once`,
  );
  for (let k = 1; k < reference[0]!.length; k++) {
    const col = (rs: string[][]) => rs.map((r) => Number(r[k]));
    assertClose(col(rows), col(reference), { atol: k <= 2 ? 1e-4 : 1e-5 }, `${what}: column ${k}`);
  }
}

/** The run record beside a points file. */
export const readMeta = async (out: string) => JSON.parse(await readFile(`${out}.meta.json`, 'utf8'));

/** The last progress-bar count on embed's stderr: `embed ███ 682/682 ...` → [682, 682]. */
export function lastProgress(stderr: string): [number, number] {
  const all = [...stderr.matchAll(/^embed \S+ (\d+)\/(\d+) /gm)];
  assert.ok(all.length > 0, `a progress line in: ${stderr}`);
  const m = all.at(-1)!;
  return [Number(m[1]), Number(m[2])];
}

/** Makes `dir/bin/embed`, which runs this checkout's embed, as the examples expect it on PATH; returns `dir/bin`. */
export async function embedOnPath(dir: string): Promise<string> {
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'embed'), `#!/bin/sh\nexec '${process.execPath}' '${EMBED_BIN}' "$@"\n`);
  await chmod(join(bin, 'embed'), 0o755);
  return bin;
}
