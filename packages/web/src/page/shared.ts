/**
 * The browser-safe part of @aae-map/shared. Its package index also loads sharp and node:fs, which
 * cannot be bundled for a browser, so the page reaches the `browser.ts` entry directly; once
 * shared's package.json exports it as '@aae-map/shared/browser', this path becomes that name.
 */
export * from '../../../shared/src/browser.ts';
