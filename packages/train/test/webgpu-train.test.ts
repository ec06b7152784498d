/**
 * Training on the webgpu backend (tfjs-backend-webgpu on Dawn, with the GPU-resident GpuStepper)
 * against wasm, through the CLI: here it runs on the SwiftShader Vulkan driver of Debian's
 * chromium (a GPU emulated on the CPU, so the run is tiny).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_LIBS, SWIFTSHADER_ICD } from '@aae-map/shared';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const root = await mkdtemp(join(tmpdir(), 'aae-train-webgpu-'));
after(() => rm(root, { recursive: true, force: true }));

const LR = 0.001;
// 150 unlabelled images in batches of 25: 6 iterations of the four phases, then the epoch's evaluation and map.
const ARGS = [
  '--replicas',
  '1',
  '--train-limit',
  '200',
  '--test-limit',
  '100',
  '--labels',
  '50',
  '--hidden',
  '32,16',
  '--batch',
  '25',
  '--epochs',
  '1',
  '--lr',
  String(LR),
  '--no-progress',
];

function trainWith(backend: string, env: Record<string, string> = {}): Promise<{ code: number; stderr: string; dir: string }> {
  const dir = join(root, backend);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...ARGS, '--backend', backend, '--out', dir], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.on('data', (d) => (stderr += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code: code ?? -1, stderr, dir }));
  });
}

const weights = async (dir: string) => {
  const b = await readFile(join(dir, 'weights.bin'));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const metrics = async (dir: string) => JSON.parse((await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim());

test('a run on webgpu (SwiftShader) trains like the same run on wasm', async () => {
  await access(SWIFTSHADER_ICD).catch(() =>
    assert.fail(`${SWIFTSHADER_ICD} is missing: install Debian's chromium (apt-get install -y chromium) for the software Vulkan adapter`),
  );
  const gpu = await trainWith('webgpu', { LD_LIBRARY_PATH: CHROMIUM_LIBS, VK_ICD_FILENAMES: SWIFTSHADER_ICD });
  assert.equal(gpu.code, 0, gpu.stderr);
  assert.match(gpu.stderr, /backend: webgpu/);
  const cpu = await trainWith('wasm');
  assert.equal(cpu.code, 0, cpu.stderr);
  const [a, b] = [await metrics(gpu.dir), await metrics(cpu.dir)];
  assert.equal(a.backend, 'webgpu');
  for (const phase of ['reconstruction', 'discriminator', 'generator', 'supervised']) {
    // Epoch means of the losses: float32 sums in another order, through 6 Adam steps (measured: 1e-5).
    assert.ok(
      Math.abs(a.loss[phase] - b.loss[phase]) <= 1e-4 * Math.abs(b.loss[phase]),
      `${phase} loss: webgpu ${a.loss[phase]}, wasm ${b.loss[phase]}`,
    );
  }
  assert.ok(Math.abs(a.testAccuracy - b.testAccuracy) <= 0.02, `test accuracy: webgpu ${a.testAccuracy}, wasm ${b.testAccuracy}`);
  const [wa, wb] = [await weights(gpu.dir), await weights(cpu.dir)];
  assert.equal(wa.length, wb.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < wa.length; i++) {
    const d = Math.abs(wa[i]! - wb[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  // Measured: max 1e-5, mean 3e-9. Adam moves a weight by about lr per step whatever the size of
  // its gradient, so one update that went the other way (a wrong kernel, a stale upload) shows
  // as a difference near lr = 1e-3.
  assert.ok(max <= LR / 4, `max |webgpu - wasm| weight difference ${max}`);
  assert.ok(sum / wa.length <= 1e-7, `mean |webgpu - wasm| weight difference ${sum / wa.length}`);
});
