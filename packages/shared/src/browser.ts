/**
 * The part of @aae-map/shared that runs in a browser (no node: modules, no sharp): the model
 * metadata contract, the points.csv format and CSV, gray conversion, image paths and colours.
 * The page in packages/web bundles this entry.
 */
export * from './category-color.ts';
export * from './csv.ts';
export * from './gray.ts';
export * from './image-paths.ts';
export * from './model-contract.ts';
export * from './path-encoding.ts';
export * from './model-metadata.ts';
export * from './points-format.ts';
export * from './user-error.ts';
