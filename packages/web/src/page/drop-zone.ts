/**
 * Drag and drop anywhere on the page: a model.onnx, a points.csv or a .npy or CSV of vectors, or
 * images and folders.
 * The overlay shows while something is dragged over the window.
 */
import { filesFromDrop, type PathedFile } from './file-collect.ts';

export interface DropTargets {
  model(file: File): void;
  /** A .csv or .npy: points to open, or vectors to embed. */
  csv(file: File): void;
  images(files: PathedFile[]): void;
}

export function listenForDrops(overlay: HTMLElement, targets: DropTargets, onError: (err: unknown) => void): void {
  let depth = 0;
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
  document.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  document.addEventListener('dragover', (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const dt = e.dataTransfer;
    if (!dt) return;
    const single = dt.files.length === 1 ? dt.files[0]! : undefined;
    const lower = single?.name.toLowerCase() ?? '';
    if (single && lower.endsWith('.onnx')) return targets.model(single);
    if (single && (lower.endsWith('.csv') || lower.endsWith('.npy'))) return targets.csv(single);
    filesFromDrop(dt).then(targets.images, onError);
  });
}
