/**
 * Stopping `serve` stops all of it: the bin on SIGTERM and on SIGINT, and `pnpm serve` when only
 * pnpm gets the SIGTERM (a service manager or `kill <pid>`; pnpm's `sh -c` used to die and leave
 * node serving). Each time the port is free afterwards and no process of the tree is left.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..', '..');
const BIN = join(REPO, 'packages', 'web', 'bin', 'serve.js');
let tmp: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'serve-signals-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** pid → [parent pid, state] of every process, from /proc. */
async function processTable(): Promise<Map<number, [number, string]>> {
  const table = new Map<number, [number, string]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state && ppid) table.set(Number(name), [Number(ppid), state]);
  }
  return table;
}

/** `pid` and all its descendants. */
async function tree(pid: number): Promise<number[]> {
  const table = await processTable();
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, [ppid]] of table) if (ppid === out[i]) out.push(p);
  return out;
}

/** The pids among `pids` still running (a zombie has exited; only its parent has not collected it yet). */
async function alive(pids: number[]): Promise<number[]> {
  const table = await processTable();
  return pids.filter((p) => table.has(p) && table.get(p)![1] !== 'Z');
}

/** The port from the "serving http://127.0.0.1:PORT/" line. */
function servingPort(child: ChildProcess): Promise<number> {
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) done(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`serve exited (${code}) before serving: ${out}`)));
  });
}

/** Whether a new server can listen on the port, i.e. nothing holds it any more. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

async function stopAndCheck(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const port = await servingPort(child);
  const pids = await tree(child.pid!);
  try {
    assert.ok(pids.length >= 2, `expected serve and its esbuild service, found ${pids.length} processes`);
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill(signal);
    const code = await exited;
    // Children outlive their parent's exit by a moment (esbuild notices its closed pipe).
    for (let t = 0; t < 50 && (await alive(pids)).length > 0; t++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await alive(pids), [], `processes left after ${signal}`);
    assert.equal(await portIsFree(port), true, `port ${port} still taken after ${signal}`);
    return code;
  } finally {
    // A failed check must not leave a server running on this machine.
    for (const p of await alive(pids)) process.kill(p, 'SIGKILL');
  }
}

const serveArgs = () => ['--port', '0', '--root', tmp, '--model', join(tmp, 'none.onnx')];

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the serve bin stops whole on ${signal}, exit code 0`, async () => {
    const child = spawn(process.execPath, [BIN, ...serveArgs()], { stdio: ['ignore', 'pipe', 'inherit'] });
    assert.equal(await stopAndCheck(child, signal), 0);
  });
}

test('pnpm serve stops whole when pnpm alone gets SIGTERM', async () => {
  const child = spawn('pnpm', ['--silent', 'serve', ...serveArgs()], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  assert.equal(await stopAndCheck(child, 'SIGTERM'), 0);
});
