/** The browser-safe part of @aae-map/shared (its main index also loads sharp and node:fs). */
export * from '@aae-map/shared/browser';
