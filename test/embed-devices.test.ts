/**
 * --device: cuda without its providers and webgpu without a Vulkan driver each give one clear
 * error line (exit 2) saying how to get them; webgpu on the software Vulkan adapter shipped
 * with Debian's chromium (docs/design.md, Installing offline) gives the cpu rows: atol 1e-5 on probabilities and z
 * (measured gap 2e-6), 1e-4 on x, y, which are 10x larger (heads at radius 10; measured 3e-5).
 * That last test needs `apt-get install -y chromium`.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CHROMIUM_LIBS, SWIFTSHADER_ICD } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { makeModel, mnistFolder, readCsvFile, runEmbed } from './embed-helpers.ts';

/** No Vulkan loader or driver from the parent environment. */
const NO_VULKAN = { LD_LIBRARY_PATH: undefined, VK_ICD_FILENAMES: undefined };
/** No GPU for CUDA either, so these tests mean the same on a machine that has one. */
const NO_CUDA = { CUDA_VISIBLE_DEVICES: '' };

let tmp: string;
let model: string;
let input: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-devices-'));
  model = await makeModel(tmp);
  input = join(tmp, 'images');
  await mnistFolder(input, 64);
});
after(() => rm(tmp, { recursive: true, force: true }));

const base = (out: string) => ['--model', model, '--input', input, '--out', join(tmp, out), '--style'];

/** The `error:` line of a failed run; there must be exactly one. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(lines.length, 1, stderr);
  return lines[0]!;
}

test('cuda without its providers: one line naming the install flag', async () => {
  const r = await runEmbed([...base('cuda.csv'), '--device', 'cuda'], NO_CUDA);
  assert.equal(r.code, 2);
  assert.match(errorLine(r.stderr), /device 'cuda' is not available .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
});

test('webgpu without a Vulkan driver: one error line saying how to get one', async () => {
  const r = await runEmbed([...base('webgpu-none.csv'), '--device', 'webgpu'], NO_VULKAN);
  assert.equal(r.code, 2);
  assert.match(
    errorLine(r.stderr),
    /device 'webgpu' is not available \(Failed to get a WebGPU adapter.*\); .*apt.*chromium.*VK_ICD_FILENAMES/,
  );
});

test('auto falls back to cpu and says so', async () => {
  const r = await runEmbed([...base('auto.csv'), '--device', 'auto'], NO_CUDA);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^device: cpu$/m);
});

test('webgpu on the SwiftShader Vulkan adapter matches cpu', async () => {
  await access(SWIFTSHADER_ICD).catch(() =>
    assert.fail(`${SWIFTSHADER_ICD} is missing: install Debian's chromium (apt-get install -y chromium) for the software Vulkan adapter`),
  );
  const cpu = await runEmbed([...base('cpu.csv'), '--device', 'cpu']);
  assert.equal(cpu.code, 0, cpu.stderr);
  const gpu = await runEmbed([...base('webgpu.csv'), '--device', 'webgpu'], {
    LD_LIBRARY_PATH: CHROMIUM_LIBS,
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
  });
  assert.equal(gpu.code, 0, gpu.stderr);
  assert.match(gpu.stderr, /^device: webgpu$/m);
  const [a, b] = [await readCsvFile(join(tmp, 'cpu.csv')), await readCsvFile(join(tmp, 'webgpu.csv'))];
  assert.equal(b.length, 65);
  assert.deepEqual(
    b.map((r) => r[0]),
    a.map((r) => r[0]),
  );
  for (let k = 1; k < a[0]!.length; k++) {
    if (a[0]![k] === 'cluster') continue;
    const atol = k <= 2 ? 1e-4 : 1e-5;
    assertClose(
      b.slice(1).map((r) => Number(r[k])),
      a.slice(1).map((r) => Number(r[k])),
      { atol },
      a[0]![k],
    );
  }
});
