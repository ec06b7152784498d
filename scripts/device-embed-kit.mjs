#!/usr/bin/env node
/**
 * `node scripts/device-embed-kit.mjs`: what a GPU machine without internet needs to measure
 * `embed` on a million files with `--workers` 1, 4, 8 and 15 on cpu and webgpu (the scale-out
 * issue's 16-core sweep), in `.device-kit-embed/` (git-ignored, about 30 MB). A kit of its own:
 * onnxruntime-node's Linux library (45 MB, 15 MB compressed) does not fit beside the training kit
 * in the 64 MiB one device call carries.
 * - `embed`, `sample-images` and embed's decode worker as self-contained ES modules (every
 *   package bundled except onnxruntime-node and sharp, which the sweep never loads);
 * - node_modules/onnxruntime-node with Linux x64's binaries only, and what it requires; pngjs;
 *   MNIST; a real-size random model (hidden [1000, 1000], as `bench:million` uses);
 * - the Debian packages of the Vulkan loader and the GL dispatch libraries that NVIDIA's Vulkan
 *   driver loads, for `--device webgpu`.
 * Large files are brotli-compressed; device-embed-run.sh unpacks them with node. Then, on the GPU
 * machine: `bash scripts/device-embed-run.sh` (with `.device-kit-embed` carried along).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotli, bundleInto, copyMnist, finishKit, ROOT } from './device-kit-common.mjs';

const KIT = join(ROOT, '.device-kit-embed');
const INFER = join(ROOT, 'packages', 'infer');
const require = createRequire(join(INFER, 'package.json'));
const DEBS = ['libvulkan1', 'libglvnd0', 'libglx0', 'libegl1'];
// Quality 9 is within 5% of 11 on onnxruntime's library, in seconds instead of minutes.
const QUALITY = 9;

rmSync(KIT, { recursive: true, force: true });
mkdirSync(KIT, { recursive: true });

await bundleInto(
  KIT,
  {
    embed: join(INFER, 'src', 'cli.ts'),
    'sample-images': join(INFER, 'src', 'sample-images-cli.ts'),
    // embed takes it from AAE_DECODE_WORKER (worker-bundle.ts): there are no sources to build it from.
    'decode-worker': join(INFER, 'src', 'decode-worker.ts'),
  },
  ['onnxruntime-node', 'sharp', 'esbuild', 'tsx'],
);

// onnxruntime-node with Linux x64's binaries; pnpm puts its dependencies beside its real folder.
const ort = realpathSync(dirname(require.resolve('onnxruntime-node/package.json')));
const ortOut = join(KIT, 'node_modules', 'onnxruntime-node');
const napi = join('bin', 'napi-v6', 'linux', 'x64');
mkdirSync(join(ortOut, napi), { recursive: true });
copyFileSync(join(ort, 'package.json'), join(ortOut, 'package.json'));
cpSync(join(ort, 'dist'), join(ortOut, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') });
copyFileSync(join(ort, napi, 'onnxruntime_binding.node'), join(ortOut, napi, 'onnxruntime_binding.node'));
writeFileSync(join(ortOut, napi, 'libonnxruntime.so.1.br'), brotli(readFileSync(join(ort, napi, 'libonnxruntime.so.1')), QUALITY));
cpSync(realpathSync(join(dirname(ort), 'onnxruntime-common')), join(KIT, 'node_modules', 'onnxruntime-common'), {
  recursive: true,
  dereference: true,
});
// pngjs decodes palette and interlaced PNGs, loaded on first use through createRequire.
cpSync(dirname(require.resolve('pngjs/package.json')), join(KIT, 'node_modules', 'pngjs'), { recursive: true, dereference: true });

copyMnist(KIT, (f) => f.startsWith('t10k'), QUALITY);

// The model bench:million uses: a random checkpoint of the real size, exported.
const tmp = mkdtempSync(join(tmpdir(), 'embed-kit-'));
const helpers = join(ROOT, 'test', 'embed-helpers.ts');
execFileSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '-e',
    `import(${JSON.stringify(helpers)}).then((m) => m.makeModel(${JSON.stringify(tmp)}, { hidden: [1000, 1000] }))`,
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
  },
);
writeFileSync(join(KIT, 'model.onnx.br'), brotli(readFileSync(join(tmp, 'model.onnx')), QUALITY));
rmSync(tmp, { recursive: true, force: true });

// The tree of a million files: hard links to the sample PNGs, 1,000 a folder (as bench:million makes it).
writeFileSync(
  join(KIT, 'link-tree.mjs'),
  `import { linkSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const [src, dst, count] = process.argv.slice(2);
const files = readdirSync(src, { recursive: true }).filter((f) => f.endsWith('.png')).sort();
for (let f = 0; f * 1000 < Number(count); f++) {
  const dir = join(dst, String(f).padStart(4, '0'));
  mkdirSync(dir, { recursive: true });
  for (let j = 0; j < 1000 && f * 1000 + j < Number(count); j++)
    linkSync(join(src, files[(f * 1000 + j) % files.length]), join(dir, String(j).padStart(4, '0') + '.png'));
}
`,
);

// cpu against webgpu on the same files: rows, clusters and the largest coordinate difference.
writeFileSync(
  join(KIT, 'compare-points.mjs'),
  `import { readFileSync } from 'node:fs';
const read = (f) => new Map(readFileSync(f, 'utf8').trim().split('\\n').slice(1).map((l) => { const c = l.split(','); return [c[0], c]; }));
const [a, b] = process.argv.slice(2).map(read);
let missing = 0, cluster = 0, dxy = 0;
for (const [path, r] of a) {
  const s = b.get(path);
  if (!s) { missing++; continue; }
  if (r[3] !== s[3]) cluster++;
  dxy = Math.max(dxy, Math.abs(r[1] - s[1]), Math.abs(r[2] - s[2]));
}
console.log(\`cpu vs webgpu: \${a.size} and \${b.size} rows, \${missing} of the first missing from the second, \${cluster} clusters differ, max |x or y difference| \${dxy.toExponential(2)}\`);
`,
);

finishKit(KIT, DEBS, 'device-embed-run.sh');
