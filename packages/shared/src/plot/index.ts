/** The scatter plot as PNG (`@aae-map/shared/plot`), apart from the main entry because it loads sharp. */
export * from './scatter-plot.ts';
