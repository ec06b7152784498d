/**
 * Image decoding for Node (the `@aae-map/shared/decode` entry): any png/jpg/webp/gif/tiff file
 * → gray or RGB uint8 at a given width × height, as the model takes it, and the folder walk that
 * finds them. Kept out of the main entry so that embed's decode workers load only this and the
 * browser-safe part, not sharp's plotting or the checkpoint code.
 */

export { inShard, type ShardSpec } from '../contracts/shard.ts';
export * from './colour.ts';
export * from './decode-batch.ts';
export * from './folder-decode.ts';
export * from './folder-listing.ts';
export * from './image-decode.ts';
export * from './image-limits.ts';
export { fsPath, type WalkEntry, walkImageRuns } from './image-walk.ts';
export { decodePngDirect } from './png-direct.ts';
export { decodePngWithPngjs } from './png-fast.ts';
export { fastPathApplies, isPng, type PngHeader, readPngHeader } from './png-header.ts';
