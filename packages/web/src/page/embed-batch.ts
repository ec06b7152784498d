/** Images (or vectors) the page runs through the model at a time; DOM-free, so the page benchmark imports it too. */
export const DEFAULT_BATCH = 256;
