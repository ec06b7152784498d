/**
 * Models whose metadata_props disagree with their graph (issue #20, item 6), made from a real
 * exported model by editing its metadata with onnx-proto, or by giving one model's graph another's
 * metadata. The real `embed` and `evaluate` CLIs each stop with exit code 2 and one `error:` line
 * naming the key and what was expected, and write nothing; the page, served such a model, says
 * the same. Before the check: wrong clusters with exit 0, a hang, or stack traces.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '@aae-map/web';
import { openPage, statusAfter } from '@aae-map/web/test-utils';
import { EMBED_BIN, makeModel, mnistFolder } from './embed-helpers.ts';

const EVALUATE_BIN = fileURLToPath(new URL('../packages/evaluate/bin/evaluate.js', import.meta.url));
// onnx-proto is shared's dependency, not the root's.
const { onnx } = createRequire(new URL('../packages/shared/package.json', import.meta.url))('onnx-proto');

let tmp: string;
let models: string;
let images: string;
let good: string;

interface Case {
  name: string;
  /** metadata_props to replace, or 'wider-graph': the graph of a 12-cluster model under this 10-cluster model's metadata. */
  edit: Record<string, string> | 'wider-graph';
  message: RegExp;
}

const REEXPORT = /; re-export the model with 'pnpm export'$/;
const CASES: Case[] = [
  {
    // The issue's silent case: 269 of 271 rows got the wrong cluster, exit 0.
    name: 'fewer-clusters',
    edit: { clusters: '8', heads_2d: JSON.stringify(Array.from({ length: 8 }, () => [0, 0])) },
    message: /metadata 'clusters' is 8 but the graph's output 'cluster_prob' is \[N, 10\] \(expected \[N, 8\]\)/,
  },
  { name: 'wider-graph', edit: 'wider-graph', message: /metadata 'clusters' is 10 but the graph's output 'cluster_prob' is \[N, 12\]/ },
  // Embed used to hang here, idle, after its header.
  {
    name: 'height-nan',
    edit: { input_height: 'twenty-eight' },
    message: /metadata 'input_height' is 'twenty-eight'; expected a positive whole number/,
  },
  {
    name: 'height-other',
    edit: { input_height: '32' },
    message: /metadata 'input_height' is 32 but the graph's input 'image' is \[N, 28, 28\] \(expected \[N, 32, 28\]\)/,
  },
  { name: 'width-zero', edit: { input_width: '0' }, message: /metadata 'input_width' is '0'; expected a positive whole number/ },
  { name: 'height-negative', edit: { input_height: '-28' }, message: /metadata 'input_height' is '-28'; expected a positive whole number/ },
  { name: 'style-dim', edit: { style_dim: '2' }, message: /metadata 'style_dim' is 2 but the graph's output 'style' is \[N, 10\]/ },
  { name: 'input-kind', edit: { input_kind: 'audio' }, message: /metadata 'input_kind' is 'audio'; expected 'image' or 'features'/ },
  {
    name: 'class-names-json',
    edit: { class_names: '["0", "1", ' },
    message: /metadata 'class_names' is '\["0", "1", '; expected a JSON array of strings/,
  },
  {
    name: 'heads-json',
    edit: { heads_2d: '[[1, 2], [3' },
    message: /metadata 'heads_2d' is '\[\[1, 2\], \[3'; expected a JSON array of \[x, y\] pairs/,
  },
];

/** The part of onnx-proto's ModelProto that the cases edit (the module is untyped here: see the require above). */
interface ModelEdit {
  metadataProps: Array<{ key: string; value: string }>;
}

/** Decodes `file`, lets `change` edit the ModelProto, and writes it as models/<name>.onnx. */
async function rewrite(file: string, name: string, change: (m: ModelEdit) => void): Promise<string> {
  const m = onnx.ModelProto.decode(await readFile(file));
  change(m);
  const out = join(models, `${name}.onnx`);
  await writeFile(out, onnx.ModelProto.encode(m).finish());
  return out;
}

async function brokenModel(c: Case): Promise<string> {
  if (c.edit === 'wider-graph') {
    const wide = await makeModel(join(tmp, 'wide'), { clusters: 12 });
    const props = onnx.ModelProto.decode(await readFile(good)).metadataProps;
    return rewrite(wide, c.name, (m) => (m.metadataProps = props));
  }
  const edit = c.edit;
  return rewrite(good, c.name, (m) => {
    for (const p of m.metadataProps) if (p.key in edit) p.value = edit[p.key]!;
  });
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'model-contract-'));
  models = join(tmp, 'models');
  images = join(tmp, 'images');
  await mkdir(models);
  good = await makeModel(tmp);
  await mnistFolder(images, 4);
});
after(() => rm(tmp, { recursive: true, force: true }));

/** Runs a bin to its end, or for at most 60 s: the unchecked model used to make embed hang. */
function cli(bin: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

function assertOneLine(r: { code: number | null; stderr: string }, c: Case, what: string): void {
  assert.equal(r.code, 2, `${what} ${c.name}: exit ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what} ${c.name}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, new RegExp(`^error: ${join(models, c.name).replace(/[.\\/]/g, '\\$&')}\\.onnx: `));
  assert.match(lines[0]!, c.message);
  assert.match(lines[0]!, REEXPORT);
}

test('embed and evaluate stop on each model whose metadata disagrees with its graph, one line, exit 2, nothing written', async () => {
  for (const c of CASES) {
    const model = await brokenModel(c);
    const outDir = join(tmp, `out-${c.name}`);
    await mkdir(outDir);
    assertOneLine(await cli(EMBED_BIN, ['--model', model, '--input', images, '--out', join(outDir, 'points.csv')]), c, 'embed');
    assert.deepEqual(await readdir(outDir), [], `embed ${c.name} wrote files`);
    assertOneLine(await cli(EVALUATE_BIN, ['--model', model, '--limit', '20', '--no-progress']), c, 'evaluate');
  }
  // evaluate writes <model>.eval.json beside the model: none there, only the models themselves.
  assert.deepEqual((await readdir(models)).sort(), CASES.map((c) => `${c.name}.onnx`).sort());
});

test('the page, served a model whose clusters disagree with its graph, says so and does not load it', async () => {
  const server = await startServer({ port: 0, model: await brokenModel(CASES[0]!), root: images });
  try {
    const h = await openPage(server.url);
    try {
      const status = await h.page.$eval('#run-status', (el) => ({ text: el.textContent!, error: el.classList.contains('error') }));
      assert.ok(status.error, `not shown as an error: ${status.text}`);
      assert.match(
        status.text,
        /^error: model\.onnx \(server\): metadata 'clusters' is 8 but the graph's output 'cluster_prob' is \[N, 10\]/,
      );
      assert.doesNotMatch((await h.page.textContent('#model-status'))!, /clusters/);
      // A UserError is the page's message, not an uncaught exception or a console error.
      assert.deepEqual(h.errors, []);
    } finally {
      await h.close();
    }
  } finally {
    await server.close();
  }
});

test('the page, served a model of feature vectors, loads it and refuses images in one line', async () => {
  const model = await makeModel(join(tmp, 'vectors'), { features: 16 });
  const server = await startServer({ port: 0, model, root: images });
  try {
    const h = await openPage(server.url);
    try {
      assert.match((await h.page.textContent('#model-status'))!, /^model\.onnx \(server\): 16-D vectors → 10 clusters/);
      const status = await statusAfter(h.page, () => h.page.setInputFiles('#folder-input', images));
      assert.deepEqual(status, {
        text: 'error: model.onnx (server) takes 16-D feature vectors, not images; drop a .npy or a CSV of them',
        error: true,
      });
      assert.equal(await h.page.getAttribute('#count', 'data-count'), '0');
      assert.deepEqual(h.errors, []);
    } finally {
      await h.close();
    }
  } finally {
    await server.close();
  }
});
