/** Getting the model's bytes and metadata: from the server's /model.onnx or a file the user picks. */
import { type ModelInfo, readModelInfo } from './shared.ts';

export interface LoadedModel {
  /** Shown to the user, e.g. 'model.onnx (server)'. */
  name: string;
  bytes: Uint8Array;
  info: ModelInfo;
}

/** Checks the metadata against the graph (as embed does) before anything sizes a tensor from it. */
function parse(bytes: Uint8Array, name: string): LoadedModel {
  return { name, bytes, info: readModelInfo(bytes, name) };
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
