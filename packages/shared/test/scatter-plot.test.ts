import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { categoryColor, isScatterPng } from '@aae-map/shared';
import { scatterSvg, writeScatterPng } from '@aae-map/shared/plot';
import sharp from 'sharp';

const root = await mkdtemp(join(tmpdir(), 'aae-plot-'));
after(() => rm(root, { recursive: true, force: true }));

test('scatterSvg draws one circle per finite point and one cross per head', () => {
  const svg = scatterSvg({
    points: [0, 0, 1, 1, Number.NaN, 2],
    categories: [0, 1, 1],
    categoryNames: ['a', 'b'],
    heads: [
      [0, 1],
      [1, 0],
    ],
  });
  // 2 finite points + 2 legend swatches.
  assert.equal(svg.match(/<circle /g)?.length, 4);
  assert.equal(svg.match(/<path /g)?.length, 2);
  assert.ok(svg.includes(categoryColor(1)));
});

test('writeScatterPng writes a PNG of the requested size with the points coloured', async () => {
  const file = join(root, 'map.png');
  // A dense block of category-3 points in the middle makes its colour dominant there.
  const points: number[] = [];
  for (let i = 0; i < 400; i++) points.push((i % 20) / 100 - 0.1, Math.floor(i / 20) / 100 - 0.1);
  points.push(-1, -1, 1, 1);
  await writeScatterPng(file, { points, categories: new Array(402).fill(3), categoryNames: ['0', '1', '2', '3'], size: 200 });
  const meta = await sharp(file).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.height, 200);
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) =>
    Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  const [r, g, b] = px(100, 100);
  // categoryColor(3) is #d62728: red dominates, blended toward white by opacity.
  assert.ok(r! > 180 && g! < 150 && b! < 150, `centre pixel ${[r, g, b]}`);
  assert.deepEqual(px(5, 195), [255, 255, 255]);
});

test('writeScatterPng marks its PNGs (a valid tEXt chunk), so embed --plot may replace them but no other PNG', async () => {
  const file = join(root, 'marked.png');
  await writeScatterPng(file, { points: [0, 0, 1, 1], categories: [0, 1], categoryNames: ['a', 'b'], size: 100 });
  const marked = await readFile(file);
  assert.ok(isScatterPng(marked));
  assert.deepEqual(
    (await sharp(marked).metadata()).comments,
    [{ keyword: 'Software', text: 'aae-map' }],
    'libvips reads the chunk back, CRC and all',
  );
  const other = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  assert.equal(isScatterPng(other), false);
  assert.equal(isScatterPng(marked.subarray(0, 40)), false, 'cut before the mark');
  assert.equal(isScatterPng(Buffer.from('path,x,y\r\n')), false);
});
