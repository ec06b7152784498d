/**
 * The page in Debian's chromium embeds feature vectors dropped on it, for a feature model: real
 * vectors (scikit-learn's digits, 64 features; see feature-vectors.test.ts) as float32, float16
 * and float64 .npy files and a CSV with a header and an `id` column. Its downloaded points match `embed`'s
 * (onnxruntime-node) for the same files within web-embed.test.ts's tolerances, rows named as
 * `embed` names them (row index, or the id column). A ragged CSV and vectors of another D are one
 * error on the page, and the map stays as it was.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportModel } from '@aae-map/export';
import { parseCsv } from '@aae-map/shared';
import { maxAbsDiff } from '@aae-map/shared/test-utils';
import { type RunningServer, startServer } from '@aae-map/web';
import { ARTIFACTS, findColouredPixel, openPage, type PageHarness, statusAfter } from '@aae-map/web/test-utils';
import { EMBED_BIN, runNode } from './embed-helpers.ts';
import { npyBytes, writeNpyF32 } from './fixtures/npy.ts';
import { writeRandomCheckpoint } from './fixtures/random-checkpoint.ts';
import { readDigits } from './fixtures/sklearn.ts';

const ROWS = 300;
/** As web-embed.test.ts: the 2-D point 1e-4, the probabilities and style 1e-5 between two runtimes. */
const TOL = { point: 1e-4, confidence: 1e-5, style: 1e-5 };

let tmp: string;
let server: RunningServer;
const at = (name: string) => join(tmp, name);

/** numpy's float16 rounding (to nearest even) of a small whole number, which is exact. */
const half = (v: number) => {
  if (!Number.isInteger(v) || v < 0 || v > 2048) throw new Error(`${v} is not exact in this test's float16 writer`);
  if (v === 0) return 0;
  const e = Math.floor(Math.log2(v));
  return ((e + 15) << 10) | Math.round((v / 2 ** e - 1) * 1024);
};

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'web-vectors-'));
  await writeRandomCheckpoint(at('run'), { features: 64, hidden: [64, 32], seed: 7 });
  await exportModel(at('run'), at('model.onnx'));
  const rows = (await readDigits()).values.slice(0, ROWS);
  await writeNpyF32(at('digits.npy'), Float32Array.from(rows.flat()), ROWS, 64);
  await writeFile(at('digits-f16.npy'), npyBytes('<f2', [ROWS, 64], new Uint8Array(Uint16Array.from(rows.flat(), half).buffer)));
  await writeFile(at('digits-f64.npy'), npyBytes('<f8', [ROWS, 64], new Uint8Array(Float64Array.from(rows.flat()).buffer)));
  const header = ['id', ...Array.from({ length: 64 }, (_, k) => `p${k}`)];
  await writeFile(at('digits.csv'), [header, ...rows.map((r, i) => [`digit ${i}`, ...r])].map((r) => r.join(',')).join('\n'));
  await writeFile(at('ragged.csv'), 'a,b,c\n1,2,3\n4,5\n');
  await writeNpyF32(
    at('four.npy'),
    Float32Array.from({ length: 40 }, (_, i) => i),
    10,
    4,
  );
  server = await startServer({ port: 0, model: at('model.onnx'), root: tmp });
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Drops a served file on the page as a user would, and waits for the run to end; returns the status line. */
const drop = (h: PageHarness, name: string) =>
  statusAfter(h.page, () =>
    h.page.evaluate(async (name) => {
      const dt = new DataTransfer();
      dt.items.add(new File([await (await fetch(`/files/${name}`)).blob()], name));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, name),
  );

async function downloadPoints(h: PageHarness): Promise<string[][]> {
  await h.page.check('#style-check');
  const [d] = await Promise.all([h.page.waitForEvent('download'), h.page.click('#download')]);
  return parseCsv(await readFile((await d.path())!, 'utf8'));
}

/** embed's points for the same file, with style columns. */
async function embedCli(input: string, extra: string[] = []): Promise<string[][]> {
  const out = at(`${input}.points.csv`);
  const r = await runNode([EMBED_BIN, '--model', at('model.onnx'), '--input', at(input), '--out', out, '--style', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return parseCsv(await readFile(out, 'utf8'));
}

function assertSamePoints(page: string[][], cli: string[][], what: string): void {
  assert.deepEqual(page[0], cli[0], `${what}: header`);
  const [p, c] = [page.slice(1).filter((r) => r.length > 1), cli.slice(1).filter((r) => r.length > 1)];
  assert.equal(p.length, ROWS, what);
  assert.deepEqual(
    p.map((r) => r[0]),
    c.map((r) => r[0]),
    `${what}: paths`,
  );
  assert.deepEqual(
    p.map((r) => r[3]),
    c.map((r) => r[3]),
    `${what}: clusters`,
  );
  const col = (rows: string[][], from: number, to?: number) => Float32Array.from(rows.flatMap((r) => r.slice(from, to).map(Number)));
  const d = {
    point: maxAbsDiff(col(p, 1, 3), col(c, 1, 3)),
    confidence: maxAbsDiff(col(p, 4, 5), col(c, 4, 5)),
    style: maxAbsDiff(col(p, 5), col(c, 5)),
  };
  console.log(
    `  ${what}: max |page - embed| point ${d.point.toExponential(2)}, confidence ${d.confidence.toExponential(2)}, style ${d.style.toExponential(2)}`,
  );
  for (const k of ['point', 'confidence', 'style'] as const) assert.ok(d[k] <= TOL[k], `${what} ${k}: max diff ${d[k]} > ${TOL[k]}`);
}

test('dropped .npy (float32, float16, float64) and CSV vectors: the points embed writes for the same files', async () => {
  const h = await openPage(server.url);
  try {
    await h.page.waitForFunction(() =>
      document.getElementById('model-status')!.textContent!.startsWith('model.onnx (server): 64-D vectors → 10 clusters'),
    );
    for (const [file, extra] of [
      ['digits.npy', []],
      ['digits-f16.npy', []],
      ['digits-f64.npy', []],
      ['digits.csv', ['--id-column', 'id']],
    ] as const) {
      const run = await drop(h, file);
      assert.equal(run.error, false, run.text);
      assert.match(run.text, new RegExp(`^embedded ${ROWS} vectors in `));
      assert.equal(await h.page.getAttribute('#count', 'data-count'), String(ROWS));
      assertSamePoints(await downloadPoints(h), await embedCli(file, [...extra]), file);
    }
    const shot = await h.page.screenshot({ path: join(ARTIFACTS, 'web-vectors.png') });
    // A vector has no image: the card shows its id and asks the server for nothing.
    const top = await h.page.$eval('#map', (c) => Math.ceil(c.getBoundingClientRect().top));
    const dot = findColouredPixel(shot, { x0: 0, y0: top, x1: 1000, y1: 800 })!;
    await h.page.mouse.move(dot[0] + 2, dot[1] + 2);
    await h.page.waitForSelector('#hover-card:not([hidden])');
    assert.equal(await h.page.isHidden('#hover-card img'), true);
    assert.match((await h.page.textContent('#hover-card .caption'))!, /^digit \d+ · /);
    assert.deepEqual(
      h.requests.filter((u) => u.includes('/files/') && !/\/files\/digits(-f16|-f64)?\.(npy|csv)$/.test(u)),
      [],
    );
    assert.deepEqual(h.errors, []);
  } finally {
    await h.close();
  }
});

test('a ragged CSV and vectors of another D: one error on the page, the map unchanged', async () => {
  const h = await openPage(server.url);
  try {
    await drop(h, 'digits.npy');
    const cases: Array<[string, string]> = [
      ['ragged.csv', 'error: ragged.csv row 3 has 2 cells but row 1 has 3; every row needs the same columns'],
      [
        'four.npy',
        'error: four.npy holds 4-D vectors but model.onnx (server) takes 64-D ones; give vectors of the features it was trained on',
      ],
    ];
    for (const [file, message] of cases) {
      assert.deepEqual(await drop(h, file), { text: message, error: true }, file);
      assert.equal(await h.page.getAttribute('#count', 'data-count'), String(ROWS), `${file}: the map stays`);
    }
  } finally {
    await h.close();
  }
});
