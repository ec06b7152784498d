import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '@aae-map/shared';
import { selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { isSoftwareAdapter } from '../src/backend.ts';

/** Whether libtensorflow was installed for a tfjs-node package (it is not on an offline machine). */
function hasBinding(pkg: string): boolean {
  try {
    const lib = join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), 'lib');
    return existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

test('a forced tensorflow backend either loads or fails with one line saying how to install it', async () => {
  if (hasBinding('@tensorflow/tfjs-node')) {
    assert.equal((await selectBackend('tensorflow')).name, 'tensorflow');
    return;
  }
  await assert.rejects(
    selectBackend('tensorflow'),
    (e: unknown) => e instanceof UserError && /rebuild @tensorflow\/tfjs-node/.test(e.message) && !e.message.includes('\n'),
  );
});

test('auto settles on the first backend that loads and says why it skipped the others', async () => {
  const choice = await selectBackend('auto');
  assert.equal(tf.getBackend(), choice.name === 'tensorflow-gpu' ? 'tensorflow' : choice.name);
  if (!hasBinding('@tensorflow/tfjs-node-gpu') && !hasBinding('@tensorflow/tfjs-node')) {
    assert.equal(choice.name, 'wasm');
    assert.match(choice.reason, /skipped tensorflow-gpu .*tensorflow /);
  }
});

test('a forced webgpu backend either loads or fails with one line saying how to get a Vulkan driver', async () => {
  try {
    assert.equal((await selectBackend('webgpu')).name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
  } catch (e) {
    assert.ok(
      e instanceof UserError && /backend webgpu could not load .*libvulkan1/.test(e.message) && !e.message.includes('\n'),
      String(e),
    );
  }
});

test('wasm and cpu load when forced, and an unknown name is a UserError', async () => {
  assert.equal((await selectBackend('cpu')).name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal((await selectBackend('wasm')).name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  await assert.rejects(selectBackend('tpu' as 'cpu'), UserError);
});

test('software rasterizers are told from GPUs by their adapter info', () => {
  // What Dawn reports for SwiftShader here, and the descriptions Mesa's and NVIDIA's Vulkan drivers give.
  const software = [
    { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' },
    { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
    { vendor: 'mesa', description: 'Mesa lavapipe' },
    { vendor: 'unknown', isFallbackAdapter: true },
  ];
  const gpus = [
    { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' },
    { vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', isFallbackAdapter: false },
  ];
  for (const info of software) assert.equal(isSoftwareAdapter(info), true, JSON.stringify(info));
  for (const info of gpus) assert.equal(isSoftwareAdapter(info), false, JSON.stringify(info));
});
