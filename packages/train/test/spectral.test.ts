import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCheckpoint, UserError } from '@aae-map/shared';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, train } from '@aae-map/train';
import { leadingEigenvectors, NeighbourGraph, SPECTRAL_STEPS, spectralClusters, symmetricEigen } from '../src/data/spectral-clusters.ts';
import { Rng } from '../src/rng.ts';
import { resolveOptions } from '../src/run/options.ts';

const root = await mkdtemp(join(tmpdir(), 'aae-spectral-'));
after(() => rm(root, { recursive: true, force: true }));

/** A random symmetric [m, m] matrix. */
function symmetric(m: number, rng: Rng): Float64Array {
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = rng.normal();
  return a;
}

/** S + I of a k-nearest table, dense, from the definition: A counts each listing, S = D^-1/2 A D^-1/2. */
function denseShifted(table: Int32Array, k: number, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let e = 0; e < k; e++) {
      const j = table[i * k + e]!;
      a[i * n + j]!++;
      a[j * n + i]!++;
    }
  const d = Array.from({ length: n }, (_, i) => a.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0));
  return a.map((v, p) => v / Math.sqrt(d[Math.floor(p / n)]! * d[p % n]!) + (Math.floor(p / n) === p % n ? 1 : 0));
}

/** `perBlob` points around each of `blobs` far-apart centres in the plane, and their k nearest by brute force. */
function blobs(blobCount: number, perBlob: number, k: number): { table: Int32Array; blob: Int32Array; n: number } {
  const rng = new Rng(7);
  const n = blobCount * perBlob;
  const blob = Int32Array.from({ length: n }, (_, i) => Math.floor(i / perBlob));
  const pts = Array.from(blob, (b) => [100 * Math.cos(b) + rng.normal(), 100 * Math.sin(b) + rng.normal()] as const);
  const table = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort(
        (p, q) =>
          Math.hypot(pts[p]![0] - pts[i]![0], pts[p]![1] - pts[i]![1]) - Math.hypot(pts[q]![0] - pts[i]![0], pts[q]![1] - pts[i]![1]),
      );
    table.set(order.slice(0, k), i * k);
  }
  return { table, blob, n };
}

test('symmetricEigen: A·q = λ·q for every pair, and the eigenvectors are orthonormal', () => {
  const m = 9;
  const a = symmetric(m, new Rng(1));
  const { values, vectors: q } = symmetricEigen(a, m);
  for (let c = 0; c < m; c++)
    for (let i = 0; i < m; i++) {
      let aq = 0;
      for (let j = 0; j < m; j++) aq += a[i * m + j]! * q[j * m + c]!;
      assertClose([aq], [values[c]! * q[i * m + c]!], { atol: 1e-10 }, `row ${i} of A·q${c}`);
    }
  for (let c = 0; c < m; c++)
    for (let d = 0; d < m; d++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i * m + c]! * q[i * m + d]!;
      assertClose([dot], [c === d ? 1 : 0], { atol: 1e-12 }, `q${c}·q${d}`);
    }
});

test('the neighbour graph: (S + I)·V equals the dense product from the definition, mutual neighbours counted twice', () => {
  const n = 40;
  const k = 4;
  const rng = new Rng(3);
  const table = Int32Array.from({ length: n * k }, (_, p) => (Math.floor(p / k) + 1 + rng.int(n - 1)) % n);
  const dense = denseShifted(table, k, n);
  const m = 3;
  const v = Float64Array.from({ length: n * m }, () => rng.normal());
  const got = new NeighbourGraph(table, k, n).shiftedTimes(v, m);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += dense[i * n + j]! * v[j * m + c]!;
      assertClose([got[i * m + c]!], [s], { atol: 1e-12 }, `row ${i}, column ${c}`);
    }
});

test('leading eigenvectors: the eigenvalues of the dense S, largest first, and S·v = λ·v', () => {
  const { table, n } = blobs(4, 20, 5);
  const dense = denseShifted(table, 5, n);
  const expected = Array.from(symmetricEigen(dense, n).values)
    .map((v) => v - 1)
    .sort((p, q) => q - p);
  const want = 6;
  const { vectors, values } = leadingEigenvectors(new NeighbourGraph(table, 5, n), want, 1, 300);
  assertClose(Array.from(values), expected.slice(0, want), { atol: 1e-8 }, 'leading eigenvalues');
  for (let c = 0; c < want; c++)
    for (let i = 0; i < n; i++) {
      let sv = -vectors[i * want + c]!;
      for (let j = 0; j < n; j++) sv += dense[i * n + j]! * vectors[j * want + c]!;
      assertClose([sv], [values[c]! * vectors[i * want + c]!], { atol: 1e-6 }, `row ${i} of S·v${c}`);
    }
});

test('spectral clusters: far-apart blobs come back whole, every neighbour agrees, and a seed repeats its result', () => {
  const { table, blob, n } = blobs(5, 30, 6);
  let steps = 0;
  const s = spectralClusters(table, 6, n, 5, 2, () => steps++);
  assert.equal(steps, SPECTRAL_STEPS, 'every step is reported, for the progress bar');
  const clusterOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (!clusterOf.has(blob[i]!)) clusterOf.set(blob[i]!, s.cluster[i]!);
    assert.equal(s.cluster[i], clusterOf.get(blob[i]!), `point ${i} of blob ${blob[i]}`);
  }
  assert.equal(new Set(clusterOf.values()).size, 5, 'one cluster per blob');
  assert.ok(s.agreement.every((a) => a === 1));
  assert.deepEqual(spectralClusters(table, 6, n, 5, 2).cluster, s.cluster);
});

test('--spectral-labels: off by default, only without labels, and with it --balance defaults to 0', async () => {
  const mnist = await loadMnistDataset();
  assert.equal(resolveOptions({}, mnist).spectralLabels, false);
  assert.equal(resolveOptions({ labels: 0 }, mnist).balance, 5);
  assert.equal(resolveOptions({ labels: 0, spectralLabels: true }, mnist).balance, 0);
  assert.equal(resolveOptions({ labels: 0, spectralLabels: true, balance: 2 }, mnist).balance, 2);
  assert.throws(
    () => resolveOptions({ spectralLabels: true }, mnist),
    (e: Error) => e instanceof UserError && /--labels 0/.test(e.message),
  );
  assert.equal(resolveOptions({ spectralLabels: true, labels: 0 }, mnist).spectralLabels, true);
});

test('--spectral-labels: a short unlabelled run trains y on the clusters (a supervised loss) and stores no labels', async () => {
  const runDir = join(root, 'spectral');
  const lines: string[] = [];
  const common = { progress: false, backend: 'wasm', trainLimit: 2000, testLimit: 500, labels: 0, epochs: 1 } as const;
  const r = await train({
    ...common,
    hidden: [64, 64],
    runDir,
    log: (l) => lines.push(l),
    spectralLabels: true,
    neighbourSpace: 'deskewed',
  });
  const labelledLine = lines.find((l) => l.includes('serve as labels'));
  const count = Number(/; (\d+) of 2000 images/.exec(labelledLine ?? '')?.[1]);
  assert.ok(count > 1000 && count < 2000, labelledLine);
  const error = Number(/err on ([\d.]+)%/.exec(lines.find((l) => l.includes('the clusters alone')) ?? '')?.[1]);
  assert.ok(error < 30, `the clusters' own error on the training images: ${error}%`);
  assert.ok(r.metrics[0]!.loss.supervised !== null, 'the supervised phase ran');
  assert.equal((await readCheckpoint(runDir)).manifest.labels, 0);
});
