/**
 * Finds the model to score. Evaluation always runs the deployed artifact, the ONNX graph: a
 * training run is first exported to a temporary file, so the numbers describe what `embed` runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { exportModel, latestRun } from '@aae-map/export';
import { type Device, type EmbedModel, openModel } from '@aae-map/infer';
import { MANIFEST, type Manifest, UserError } from '@aae-map/shared';

export interface ModelSourceOptions {
  run?: string;
  model?: string;
  runsDir: string;
  device: Device;
  threads: number;
}

export interface OpenedSource {
  model: EmbedModel;
  kind: 'run' | 'model';
  /** The run directory or the .onnx file the user named (or the latest run). */
  path: string;
  /** From the run's manifest; null when only the ONNX file is known. */
  labelsUsed: number | null;
  epochs: number | null;
  /** Where eval.json goes unless --out says otherwise. */
  defaultOut: string;
  /** Closes the session and removes the temporary export. */
  close(): Promise<void>;
}

export async function openSource(opts: ModelSourceOptions): Promise<OpenedSource> {
  if (opts.run !== undefined && opts.model !== undefined) {
    throw new UserError('give either --run DIR or --model FILE, not both');
  }
  const threadOpts = { device: opts.device, threads: opts.threads };
  if (opts.model !== undefined) {
    const model = await openModel(opts.model, threadOpts);
    const stem = basename(opts.model, extname(opts.model));
    return {
      model,
      kind: 'model',
      path: opts.model,
      labelsUsed: null,
      epochs: null,
      defaultOut: join(dirname(opts.model), `${stem}.eval.json`),
      close: () => model.close(),
    };
  }
  const runDir = opts.run ?? (await latestRun(opts.runsDir));
  const tmp = await mkdtemp(join(tmpdir(), 'aae-evaluate-'));
  try {
    const summary = await exportModel(runDir, join(tmp, 'model.onnx'));
    const manifest = JSON.parse(await readFile(join(runDir, MANIFEST), 'utf8')) as Manifest;
    const model = await openModel(summary.outFile, threadOpts);
    return {
      model,
      kind: 'run',
      path: runDir,
      labelsUsed: manifest.labels,
      epochs: summary.epochs,
      defaultOut: join(runDir, 'eval.json'),
      close: async () => {
        await model.close();
        await rm(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
