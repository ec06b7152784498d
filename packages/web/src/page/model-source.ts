/** Getting the model's bytes and metadata: from the server's /model.onnx or a file the user picks. */
import { describeInput, type ImageModelInfo, readModelInfo, UserError } from './shared.ts';

export interface LoadedModel {
  /** Shown to the user, e.g. 'model.onnx (server)'. */
  name: string;
  bytes: Uint8Array;
  info: ImageModelInfo;
}

/** Checks the metadata against the graph (as embed does) before anything sizes a tensor from it; the page embeds images only. */
function parse(bytes: Uint8Array, name: string): LoadedModel {
  const info = readModelInfo(bytes, name);
  if (info.inputKind !== 'image')
    throw new UserError(
      `${name} takes ${describeInput(info)}; this page embeds images, so embed vectors with 'pnpm embed --input vectors.npy'`,
    );
  return { name, bytes, info };
}

/** The server's model, or undefined when it was started without one. */
export async function fetchServerModel(): Promise<LoadedModel | undefined> {
  const res = await fetch('/model.onnx');
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /model.onnx: HTTP ${res.status}`);
  return parse(new Uint8Array(await res.arrayBuffer()), 'model.onnx (server)');
}

export async function modelFromFile(file: File): Promise<LoadedModel> {
  return parse(new Uint8Array(await file.arrayBuffer()), file.name);
}
