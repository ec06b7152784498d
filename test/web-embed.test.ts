/**
 * The page in Debian's chromium embeds 200 real MNIST PNGs from a folder, on wasm (what `auto`
 * picks without a WebGPU adapter) and on webgpu (SwiftShader's software adapter), and its
 * downloaded points match onnxruntime-node's on the same images. Along the way: the page is
 * cross-originisolated (threaded wasm), names the provider that ran, and requests nothing from
 * anywhere but the local server. Saves a screenshot of the map as an artefact.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { openModel, writeSampleImages } from '@aae-map/infer';
import { comparePaths, parseCsv, pointsColumns, readMnist } from '@aae-map/shared';
import { maxAbsDiff } from '@aae-map/shared/test-utils';
import { type RunningServer, startServer } from '@aae-map/web';
import { ARTIFACTS, colouredFraction, hoverFirstPoint, offHostRequests, openPage, type PageHarness } from '@aae-map/web/test-utils';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';

const COUNT = 200;
const CLUSTERS = 10;
/**
 * Two runtimes' float32 kernels: the issue's 1e-4 for the 2-D point (a sum of ten 10·prob + style
 * terms; measured 1e-5 to 3e-5, also between the page's wasm and webgpu), 1e-5 for the
 * probabilities and style (measured about 2e-6).
 */
const TOL = { point: 1e-4, confidence: 1e-5, style: 1e-5 };

let tmp: string;
let imagesDir: string;
let files: string[];
let server: RunningServer;
let ref: { point: Float32Array; clusterProb: Float32Array; style: Float32Array };
let wasmColumns: PageColumns | undefined;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-embed-'));
  await writeRandomCheckpoint(join(tmp, 'run'), { hidden: [256, 128], seed: 5 });
  const onnxFile = join(tmp, 'model.onnx');
  await exportModel(join(tmp, 'run'), onnxFile);
  imagesDir = join(tmp, 'images');
  files = await writeSampleImages(imagesDir, COUNT);
  const mnist = await readMnist('test');
  const node = await openModel(onnxFile, { device: 'cpu' });
  ref = await node.run(mnist.pixels.subarray(0, COUNT * mnist.height * mnist.width), COUNT);
  await node.close();
  server = await startServer({ port: 0, model: onnxFile, root: imagesDir });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Picks the images folder in the page's folder input, waits for the map, downloads the CSV. */
async function embedFolder(
  h: PageHarness,
): Promise<{ csv: string; provider: string; label: string; rate: number; seconds: number; direct: number }> {
  const t = performance.now();
  await h.page.setInputFiles('#folder-input', imagesDir);
  await h.page.waitForFunction(
    () => document.getElementById('count')!.dataset.count !== '0' || document.querySelector('#run-status.error'),
    null,
    { timeout: 120_000 },
  );
  const seconds = (performance.now() - t) / 1000;
  const status = await h.page.textContent('#run-status');
  assert.doesNotMatch(status!, /error/, status!);
  assert.equal(await h.page.getAttribute('#count', 'data-count'), String(COUNT));
  await h.page.check('#style-check');
  const [download] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#download')]);
  assert.equal(download.suggestedFilename(), 'points.csv');
  return {
    csv: await readFile((await download.path())!, 'utf8'),
    provider: (await h.page.getAttribute('#provider', 'data-provider'))!,
    label: (await h.page.textContent('#provider'))!,
    rate: Number(await h.page.getAttribute('#run-status', 'data-rate')),
    seconds,
    direct: Number(await h.page.getAttribute('#run-status', 'data-direct')),
  };
}

interface PageColumns {
  point: Float32Array;
  confidence: Float32Array;
  style: Float32Array;
}

/** Checks the CSV's form and its numbers against onnxruntime-node; returns its columns in MNIST order. */
function checkAgainstNode(csv: string): PageColumns {
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], pointsColumns(CLUSTERS));
  const body = rows.slice(1);
  // embed's order and paths: relative to the picked folder, sorted as its walk visits them.
  assert.deepEqual(
    body.map((r) => r[0]),
    [...files].sort(comparePaths),
  );
  const point = new Float32Array(2 * COUNT);
  const conf = new Float32Array(COUNT);
  const refConf = new Float32Array(COUNT);
  const style = new Float32Array(COUNT * CLUSTERS);
  for (const r of body) {
    const i = Number(basename(r[0]!, '.png'));
    const probs = ref.clusterProb.subarray(i * CLUSTERS, (i + 1) * CLUSTERS);
    const top = Math.max(...probs);
    const cluster = Number(r[3]);
    // The page's argmax must be the node argmax, unless the two are a float-rounding tie.
    assert.ok(probs[cluster]! >= top - TOL.confidence, `${r[0]}: cluster ${cluster} has p=${probs[cluster]} but the top is ${top}`);
    point.set([Number(r[1]), Number(r[2])], 2 * i);
    conf[i] = Number(r[4]);
    refConf[i] = top;
    style.set(r.slice(5).map(Number), i * CLUSTERS);
  }
  const d = { point: maxAbsDiff(point, ref.point), confidence: maxAbsDiff(conf, refConf), style: maxAbsDiff(style, ref.style) };
  console.log(
    `  max |page - onnxruntime-node|: point ${d.point.toExponential(2)}, confidence ${d.confidence.toExponential(2)}, style ${d.style.toExponential(2)}`,
  );
  for (const k of ['point', 'confidence', 'style'] as const) assert.ok(d[k] <= TOL[k], `${k}: max diff ${d[k]} > ${TOL[k]}`);
  return { point, confidence: conf, style };
}

test('wasm: the page embeds a folder of 200 MNIST PNGs like onnxruntime-node, offline and isolated', async () => {
  const h = await openPage(server.url);
  try {
    assert.equal(await h.page.evaluate(() => crossOriginIsolated), true);
    const r = await embedFolder(h);
    console.log(`  wasm: ${r.label.trim()}, ${Math.round(r.rate)} images/s in the page, ${r.seconds.toFixed(2)} s from pick to map`);
    assert.equal(r.provider, 'wasm');
    const threads = Number(/\((\d+) threads?\)/.exec(r.label)?.[1]);
    const cores = await h.page.evaluate(() => navigator.hardwareConcurrency);
    // One core is left to the browser's own file reads (ort-runtime.ts).
    assert.equal(threads, Math.max(1, Math.min(4, cores - 1)), `threads in '${r.label}'`);
    assert.ok(r.rate > 0);
    // Gray 8-bit PNGs at the model's size take the page's own decoder (embed's, from shared), not the browser's.
    assert.equal(r.direct, COUNT, 'images decoded by the direct PNG path');
    wasmColumns = checkAgainstNode(r.csv);

    // Colour by class (the digit folders): the legend lists the ten folders.
    await h.page.selectOption('#colour-select', 'class');
    assert.deepEqual(await h.page.$$eval('#legend li', (li) => li.map((e) => e.textContent!.split(' ')[0])), [
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    const shot = join(ARTIFACTS, 'web-embed-wasm.png');
    const png = await h.page.screenshot({ path: shot });
    const coloured = colouredFraction(png);
    console.log(`  screenshot ${shot}: ${(100 * coloured).toFixed(2)}% coloured pixels`);
    assert.ok(coloured > 0.002, `the map looks blank: ${coloured} coloured`);
    // A dropped image's thumbnail is a blob: URL of its File, which the CSP's img-src allows.
    const thumb = await hoverFirstPoint(h.page);
    assert.match(thumb.src, /^blob:http:\/\/127\.0\.0\.1:\d+\//);
    assert.deepEqual([thumb.w, thumb.h], [28, 28]);
    assert.deepEqual(offHostRequests(h.requests, server.url), []);
    // wasm runs on the wasm-only build, and the WebGPU build is never fetched without an adapter.
    assert.ok(
      h.requests.some((u) => u.endsWith('/ort/ort-wasm-simd-threaded.wasm')),
      "onnxruntime-web's plain wasm came from the server",
    );
    assert.deepEqual(
      h.requests.filter((u) => /\/ort\/ort\.min\.mjs$|\.jsep\./.test(u)),
      [],
      'no WebGPU build',
    );
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});

test('webgpu (SwiftShader adapter): the same 200 images match onnxruntime-node and the wasm run', async () => {
  const h = await openPage(`${server.url}?ep=webgpu`, { webgpu: true });
  try {
    const r = await embedFolder(h);
    console.log(`  webgpu: ${r.label.trim()}, ${Math.round(r.rate)} images/s in the page, ${r.seconds.toFixed(2)} s from pick to map`);
    assert.equal(r.provider, 'webgpu');
    const columns = checkAgainstNode(r.csv);
    assert.ok(wasmColumns, 'the wasm test ran first');
    for (const k of ['point', 'confidence', 'style'] as const) {
      const d = maxAbsDiff(columns[k], wasmColumns[k]);
      console.log(`  max |webgpu - wasm| ${k}: ${d.toExponential(2)}`);
      assert.ok(d <= TOL[k], `${k}: webgpu vs wasm ${d} > ${TOL[k]}`);
    }
    assert.deepEqual(offHostRequests(h.requests, server.url), []);
    assert.deepEqual(
      h.errors.filter((e) => /violates the following Content Security Policy/.test(e)),
      [],
      'webgpu under the CSP',
    );
  } finally {
    await h.close();
  }
});
