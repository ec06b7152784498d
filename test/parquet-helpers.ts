/**
 * What the Parquet and input tests share: DuckDB (from npm) as the independent reader of embed's
 * Parquet files, embed run with standard input, and a SIGKILL at a chosen moment of a run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertClose } from '@aae-map/shared/test-utils';
import { DuckDBInstance } from '@duckdb/node-api';
import { EMBED_BIN, type RunResult } from './embed-helpers.ts';

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The rows of a query, as objects. */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** A Parquet file (or glob) read by DuckDB as a CSV would be: the header, then each row's cells as text. */
export async function readParquetTable(fileOrGlob: string): Promise<string[][]> {
  const from = `read_parquet(${sqlString(fileOrGlob)})`;
  const columns = (await duck(`DESCRIBE SELECT * FROM ${from}`)).map((c) => String(c.column_name));
  const rows = await duck(`SELECT * FROM ${from}`);
  return [columns, ...rows.map((r) => columns.map((c) => String(r[c])))];
}

/** DuckDB's type of each column of a Parquet file, by name. */
export async function parquetTypes(file: string): Promise<Record<string, string>> {
  const rows = await duck(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
  return Object.fromEntries(rows.map((c) => [String(c.column_name), String(c.column_type)]));
}

/**
 * Checks that `rows` (header first) list the same files as `reference` in the same order, with
 * the same clusters and values within float32 and batch rounding (atol 1e-4 on x, y, which are
 * ~10x larger, 1e-5 on the rest).
 */
export function assertSameRows(rows: string[][], reference: string[][], what: string): void {
  assert.deepEqual(rows[0], reference[0], `${what}: columns`);
  assert.deepEqual(
    rows.map((r) => r[0]),
    reference.map((r) => r[0]),
    `${what}: same files, same order, each once`,
  );
  const k = (name: string) => reference[0]!.indexOf(name);
  assert.deepEqual(
    rows.slice(1).map((r) => r[k('cluster')]),
    reference.slice(1).map((r) => r[k('cluster')]),
    `${what}: cluster`,
  );
  for (const [name, i] of reference[0]!.map((n, i) => [n, i] as const)) {
    if (name === 'path' || name === 'cluster') continue;
    const col = (t: string[][]) => t.slice(1).map((r) => Number(r[i]));
    assertClose(col(rows), col(reference), { atol: name === 'x' || name === 'y' ? 1e-4 : 1e-5 }, `${what}: ${name}`);
  }
}

/** Runs the embed bin with `stdin` as its standard input. */
export function runEmbedWithStdin(args: string[], stdin: string): Promise<RunResult> {
  const child = spawn(process.execPath, [EMBED_BIN, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts embed with `args` (and `stdin`, if given) and SIGKILLs it once `ready()` holds; fails if it ended first. */
export async function killWhen(args: string[], ready: () => Promise<boolean>, stdin?: string): Promise<void> {
  const child = spawn(process.execPath, [EMBED_BIN, ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'] });
  if (stdin !== undefined) child.stdin!.end(stdin);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !(await ready())) await sleep(5);
  child.kill('SIGKILL');
  assert.equal(await exited, null, 'killed before it finished');
}
