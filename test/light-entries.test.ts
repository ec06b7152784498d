/**
 * What loads when: @aae-map/shared's main, cli and browser entries load no image codec (sharp),
 * protobuf schema (onnx-proto), runtime or training backend, and neither does any command's
 * --help, so that it starts fast.
 * Checked on the build (scripts/build.mjs) with a resolve hook that reports each heavy package.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BINS } from './fixtures/bins.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEAVY = '^(sharp|onnxruntime-node|onnxruntime-web|onnx-proto|@tensorflow/|webgpu|esbuild|pngjs)';
const HOOK = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { if (new RegExp(${JSON.stringify(HEAVY)}).test(s)) process.stderr.write("heavy: " + s + "\\\\n"); return next(s, c); }'));`,
)}`;

/** Heavy packages that `node file args` resolves, as reported by the hook. */
function heavyLoads(file: string, args: string[] = []): string[] {
  const r = spawnSync(process.execPath, ['--import', HOOK, file, ...args], { encoding: 'utf8', env: { ...process.env, AAE_FROM: 'dist' } });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stderr.matchAll(/^heavy: (.*)$/gm)].map((m) => m[1]!);
}

before(() => {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
});

test('the hook sees a heavy import (the check itself works)', () => {
  assert.ok(heavyLoads(join(ROOT, 'packages', 'shared', 'dist', 'plot.js')).includes('sharp'));
});

test("@aae-map/shared's main, cli and browser entries load no codec, runtime or backend", () => {
  for (const entry of ['index', 'cli', 'browser'])
    assert.deepEqual(heavyLoads(join(ROOT, 'packages', 'shared', 'dist', `${entry}.js`)), [], entry);
});

test("every command's --help loads none of them", () => {
  for (const bin of BINS) {
    assert.deepEqual(heavyLoads(join(ROOT, 'packages', bin), ['--help']), [], bin);
  }
});
