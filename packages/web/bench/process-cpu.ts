/**
 * CPU time of this process's descendants (Chromium's browser, renderer, GPU and utility
 * processes), from Linux's /proc. On a machine shared with other work the wall-clock rate of a
 * run swings with the load; the CPU seconds it takes swing much less.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc's utime and stime (USER_HZ, 100 on Linux's ABIs). */
const TICKS = 100;

/** pid → [parent pid, utime + stime in ticks] of every process now alive. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while listed
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(Number(name), [Number(f[1]), Number(f[11]) + Number(f[12])]);
  }
  return table;
}

/** The live descendants of this process. */
function descendants(table: Map<number, [number, number]>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, [ppid]] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out = [...(children.get(process.pid) ?? [])];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** CPU seconds used so far by the live descendants of this process, or NaN without /proc. */
export function descendantsCpuSeconds(): number {
  let table: Map<number, [number, number]>;
  try {
    table = processTable();
  } catch {
    return Number.NaN;
  }
  return descendants(table).reduce((sum, pid) => sum + table.get(pid)![1], 0) / TICKS;
}

/**
 * CPU seconds so far of the descendants' threads, summed by process type (Chromium's --type=, or
 * "browser") and thread name ("renderer: DedicatedWorker"), digits dropped from the names.
 */
export function threadCpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of descendants(processTable())) {
    try {
      const type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[\d/]+$/, '');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${type}: ${name}`;
        out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / TICKS);
      }
    } catch {
      // exited while listed
    }
  }
  return out;
}
