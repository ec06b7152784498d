/**
 * PNG chunk types as the big-endian 32-bit numbers their four letters make, so chunk walks
 * (png-header.ts's header read, png-core.ts's decoder) compare numbers, not strings.
 */
export const IHDR = 0x49484452;
export const IDAT = 0x49444154;
export const IEND = 0x49454e44;
export const PLTE = 0x504c5445;
export const TRNS = 0x74524e53;
export const ICCP = 0x69434350;
