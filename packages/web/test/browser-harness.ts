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
