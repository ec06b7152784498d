/**
 * For tests of the page in a real browser: Debian's chromium driven by playwright-core (never a
 * downloaded browser), a fresh profile per launch, every request recorded, and a check that a
 * screenshot is not blank. Exported as '@aae-map/web/test-utils'.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CHROMIUM = '/usr/bin/chromium';

/** Where page tests save screenshots for people (and CI) to look at. */
export const ARTIFACTS = process.env.AAE_ARTIFACTS ?? join(import.meta.dirname, '..', '..', '..', '.cache', 'artifacts');

/** The flags of docs/design.md (The browser): headless, and nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageHarness {
  context: BrowserContext;
  page: Page;
  /** Every URL the browser requested, in order. */
  requests: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Adds --enable-unsafe-webgpu, which gives a software (SwiftShader) WebGPU adapter. @default false */
  webgpu?: boolean;
  /** @default { width: 1200, height: 800 } */
  viewport?: { width: number; height: number };
}

/** Launches chromium on a fresh profile and opens `url`, waiting until the page says it is ready. */
export async function openPage(url: string, opts: OpenOptions = {}): Promise<PageHarness> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing; install Debian's chromium: apt-get update && apt-get install -y chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'aae-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.webgpu ? ['--enable-unsafe-webgpu'] : [])],
    viewport: opts.viewport ?? { width: 1200, height: 800 },
    acceptDownloads: true,
  });
  const requests: string[] = [];
  const errors: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  } catch (err) {
    await close();
    throw err;
  }
  return { context, page, requests, errors, close };
}

/** The requests that went anywhere but `origin` (data: and this origin's blob: URLs stay local). */
export function offHostRequests(requests: readonly string[], origin: string): string[] {
  const base = new URL(origin).origin;
  return requests.filter((u) => !(u.startsWith(`${base}/`) || u.startsWith(`blob:${base}/`) || u.startsWith('data:')));
}

const isColoured = (d: Uint8Array, p: number) => Math.max(d[p]!, d[p + 1]!, d[p + 2]!) - Math.min(d[p]!, d[p + 1]!, d[p + 2]!) > 40;

/** Fraction of a PNG's pixels that are clearly coloured (not white, grey or black). */
export function colouredFraction(png: Buffer): number {
  const { data, width, height } = PNG.sync.read(png);
  let coloured = 0;
  for (let p = 0; p < data.length; p += 4) if (isColoured(data, p)) coloured++;
  return coloured / (width * height);
}

/** Fraction of a PNG's pixels with a channel below 190: points in full colour, not faded ones (all channels ≥ 204). */
export function inkedFraction(png: Buffer): number {
  const { data, width, height } = PNG.sync.read(png);
  let inked = 0;
  for (let p = 0; p < data.length; p += 4) if (Math.min(data[p]!, data[p + 1]!, data[p + 2]!) < 190) inked++;
  return inked / (width * height);
}

/** The first clearly coloured pixel inside a rectangle of a PNG, scanning rows, or undefined. */
export function findColouredPixel(png: Buffer, rect: { x0: number; y0: number; x1: number; y1: number }): [number, number] | undefined {
  const { data, width } = PNG.sync.read(png);
  for (let y = rect.y0; y < rect.y1; y++) {
    for (let x = rect.x0; x < rect.x1; x++) if (isColoured(data, 4 * (y * width + x))) return [x, y];
  }
  return undefined;
}

/** Hovers the first dot drawn on the map and waits for the card's thumbnail; its src and size. */
export async function hoverFirstPoint(page: Page): Promise<{ src: string; w: number; h: number }> {
  // Left of the legend, below the header.
  const top = await page.$eval('#map', (c) => Math.ceil(c.getBoundingClientRect().top));
  const dot = findColouredPixel(await page.screenshot(), { x0: 0, y0: top, x1: 1000, y1: 800 });
  if (!dot) throw new Error('no dot on the map');
  await page.mouse.move(dot[0] + 2, dot[1] + 2);
  await page.waitForSelector('#hover-card:not([hidden])');
  // Typed without the DOM lib: Node code (this file included) is type-checked without it.
  type Img = { naturalWidth: number; naturalHeight: number; getAttribute(name: string): string | null };
  const img = await page.waitForSelector('#hover-card img');
  await page.waitForFunction((el) => (el as unknown as Img).naturalWidth > 0, img);
  return page.$eval('#hover-card img', (el) => {
    const i = el as unknown as Img;
    return { src: i.getAttribute('src')!, w: i.naturalWidth, h: i.naturalHeight };
  });
}

/** The map's data ↔ client (CSS px) transform, read from the page's `window.aaeMap` hook. */
export interface MapView {
  scale: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  left: number;
  top: number;
  dpr: number;
}

export async function mapView(page: Page): Promise<MapView> {
  // A string, since this file is type-checked without the DOM's types.
  return page.evaluate(`(() => {
    const v = window.aaeMap.view;
    const r = document.getElementById('map').getBoundingClientRect();
    return { scale: v.scale, cx: v.cx, cy: v.cy, width: v.width, height: v.height, left: r.left, top: r.top, dpr: devicePixelRatio || 1 };
  })()`);
}

/** Data coordinates under a client position, as the page computes them. */
export function clientToData(v: MapView, clientX: number, clientY: number): [number, number] {
  const px = (clientX - v.left) * v.dpr;
  const py = (clientY - v.top) * v.dpr;
  return [(px - v.width / 2) / v.scale + v.cx, v.cy - (py - v.height / 2) / v.scale];
}

export function dataToClient(v: MapView, x: number, y: number): [number, number] {
  return [v.left + ((x - v.cx) * v.scale + v.width / 2) / v.dpr, v.top + (v.height / 2 - (y - v.cy) * v.scale) / v.dpr];
}

/** A shift-drag through the given client positions (one pointer move each), as a user draws a selection. */
export async function shiftDrag(page: Page, path: [number, number][]): Promise<void> {
  const [first, ...rest] = path;
  await page.keyboard.down('Shift');
  await page.mouse.move(first![0], first![1]);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(x, y);
  await page.mouse.up();
  await page.keyboard.up('Shift');
}

/** Collects every draw time the page reports (#draw-ms's data-ms) while `gesture` runs. */
export async function drawTimes(page: Page, gesture: () => Promise<void>): Promise<{ draws: number[]; wallMs: number }> {
  await page.evaluate(`(() => {
    const el = document.getElementById('draw-ms');
    window.draws = [];
    window.drawObserver?.disconnect();
    window.drawObserver = new MutationObserver(() => window.draws.push(Number(el.dataset.ms)));
    window.drawObserver.observe(el, { attributes: true, attributeFilter: ['data-ms'] });
  })()`);
  const t = performance.now();
  await gesture();
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const wallMs = performance.now() - t;
  return { draws: await page.evaluate<number[]>('window.draws'), wallMs };
}

export const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;

/** Even-odd point in polygon, written out on its own: what tests check the page's lasso against. */
export function insidePolygon(xs: readonly number[], ys: readonly number[], x: number, y: number): boolean {
  let odd = false;
  for (let a = 0, b = xs.length - 1; a < xs.length; b = a++) {
    if (ys[a]! > y !== ys[b]! > y && x < ((xs[b]! - xs[a]!) * (y - ys[a]!)) / (ys[b]! - ys[a]!) + xs[a]!) odd = !odd;
  }
  return odd;
}

/** The little of the DOM that statusAfter's page functions use (this file is compiled without DOM types). */
interface StatusDocument {
  document: { getElementById(id: string): { textContent: string | null; classList: { contains(c: string): boolean } } | null };
}

/** Runs `start` (a pick or a drop) on a cleared status line and waits until the run ends; returns the status line. */
export async function statusAfter(page: Page, start: () => Promise<unknown>): Promise<{ text: string; error: boolean }> {
  await page.evaluate(() => {
    (globalThis as unknown as StatusDocument).document.getElementById('run-status')!.textContent = '';
  });
  await start();
  // Functions, not strings: the page's CSP forbids the eval that waitForFunction would use for a string.
  await page.waitForFunction(
    () => {
      const t = (globalThis as unknown as StatusDocument).document.getElementById('run-status')!.textContent!;
      // The run's own progress lines: reading tar shards, opening the model, embedding.
      return t !== '' && !/^(reading|opening|embedding)/.test(t);
    },
    null,
    { timeout: 60_000 },
  );
  return page.evaluate(() => {
    const el = (globalThis as unknown as StatusDocument).document.getElementById('run-status')!;
    return { text: el.textContent!, error: el.classList.contains('error') };
  });
}
