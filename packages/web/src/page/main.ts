/**
 * The page: wires the controls, drops and the map together. Holds the state (the model, its
 * session per provider, the points) and nothing else; each job lives in its own module.
 */
import { type Categories, type ColourMode, classCategories, clusterCategories, paletteOf } from './categories.ts';
import { downloadText } from './download.ts';
import { listenForDrops } from './drop-zone.ts';
import { embedImages } from './embed-run.ts';
import { filesFromInput, imageList, type PathedFile } from './file-collect.ts';
import { NOT_AN_IMAGE, ProblemList } from './file-problems.ts';
import { HoverCard } from './hover-card.ts';
import { Legend } from './legend.ts';
import { fetchServerModel, type LoadedModel, modelFromFile } from './model-source.ts';
import { openSession, type PageSession, type ProviderChoice } from './ort-runtime.ts';
import { concatPoints, type PointSet } from './point-set.ts';
import { pointsFromCsv, pointsToCsv } from './points-csv-io.ts';
import { ScatterView } from './scatter-view.ts';
import { comparePaths, describeInput, type FeatureModelInfo, isTarName, UserError } from './shared.ts';
import { StatusLine } from './status.ts';
import { updateStyleOption } from './style-option.ts';
import { expandTars } from './tar-shards.ts';
import { PageTools } from './tools.ts';
import { embedVectors, isVectorFile, readVectorFile } from './vector-embed.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const epSelect = $<HTMLSelectElement>('ep-select');
const colourSelect = $<HTMLSelectElement>('colour-select');
const downloadButton = $<HTMLButtonElement>('download');
const styleCheck = $<HTMLInputElement>('style-check');
const convertColour = $<HTMLInputElement>('convert-colour');

const status = new StatusLine();
const problems = new ProblemList($<HTMLDetailsElement>('problems'));
const legend = new Legend($<HTMLUListElement>('legend'), $('legend-note'), recolour);
const card = new HoverCard($('hover-card'));
let model: LoadedModel | undefined;
let session: { choice: ProviderChoice; model: LoadedModel; s: PageSession } | undefined;
let points: PointSet | undefined;
let cats: { cluster: Categories; class: Categories | undefined } | undefined;

const view = new ScatterView($<HTMLCanvasElement>('map'), {
  hover(i, x, y) {
    if (i < 0 || !points || !cats) return card.hide();
    card.show(points, i, x, y, cats.cluster.names[points.cluster[i]!] ?? `cluster ${points.cluster[i]}`);
  },
  drawn: (ms) => status.drawn(ms),
  overlay: (ctx, v, dpr) => tools.overlay(ctx, v, dpr),
});
const tools = new PageTools({ map: view, withStyle: () => styleCheck.checked, hideHover: () => card.hide() });

/** Runs an action from a control, showing its error instead of losing it in the console. */
const guard = (action: () => Promise<void> | void) => () => {
  Promise.resolve()
    .then(action)
    .catch((err) => status.error(err));
};

function activeCategories(): Categories | undefined {
  if (!cats) return undefined;
  return colourSelect.value === 'class' && cats.class ? cats.class : cats.cluster;
}

/** The active categories' colours, less those hidden in the legend. */
function palette(c: Categories): Uint32Array {
  legend.show(c, colourSelect.value);
  return legend.mask(paletteOf(c.names.length));
}

function recolour(): void {
  const c = activeCategories();
  if (c) view.setColours(c.index, palette(c));
  tools.coloursChanged();
}

function show(set: PointSet): void {
  points = set;
  cats = { cluster: clusterCategories(set, model?.info), class: classCategories(set) };
  const classOption = colourSelect.querySelector<HTMLOptionElement>('option[value=class]')!;
  classOption.disabled = !cats.class;
  if (!cats.class) colourSelect.value = 'cluster' satisfies ColourMode;
  const heads = model?.info.heads2d ?? [];
  const c = activeCategories()!;
  view.setContent({ set, heads, headLabels: heads.map((_, k) => String(k)) }, c.index, palette(c));
  tools.setPoints(set, cats.cluster, cats.class);
  status.points(set.count);
  downloadButton.disabled = set.count === 0;
  updateStyleOption(styleCheck, $('style-hint'), set);
  $('guide').hidden = set.count > 0;
}

async function setModel(m: LoadedModel): Promise<void> {
  if (session) await session.s.release();
  session = undefined;
  model = m;
  const { info } = m;
  const input = info.inputKind === 'features' ? `${info.inputDim}-D vectors` : `${info.height}×${info.width}`;
  status.modelLoaded(
    `${m.name}: ${input} → ${info.clusters} clusters, style ${info.styleDim}-D${info.dataset ? `, trained on ${info.dataset}` : ''}`,
  );
  if (points) show(points);
}

/** `readsFiles`: whether the run reads picked files one by one (ort-runtime.ts gives the model fewer threads then). */
async function sessionFor(m: LoadedModel, readsFiles: boolean): Promise<PageSession> {
  const choice = epSelect.value as ProviderChoice;
  if (session && session.choice === choice && session.model === m) return session.s;
  if (session) await session.s.release();
  status.message(`opening the model on ${choice}…`);
  session = { choice, model: m, s: await openSession(m.bytes, m.info, m.name, choice, readsFiles) };
  return session.s;
}

function loadedModel(): LoadedModel {
  if (!model) throw new UserError('load a model first: start the server with --model model.onnx, or drop a model.onnx here');
  return model;
}

/** The points of a run, added to the map or in its place as the user chose. */
function showRun(set: PointSet): void {
  show($<HTMLSelectElement>('embed-mode').value === 'add' && points ? concatPoints(points, set) : set);
}

async function embed(files: PathedFile[]): Promise<void> {
  const model = loadedModel();
  const info = model.info;
  if (info.inputKind === 'features')
    throw new UserError(`${model.name} takes ${describeInput(info)}, not images; drop a .npy or a CSV of them`);
  const list = imageList(files);
  if (list.images.some((f) => isTarName(f.path))) status.message('reading tar shards…');
  const t0 = performance.now();
  const expanded = await expandTars(list.images);
  // Reading the shards is part of the run's time, as reading each file is.
  const readSeconds = (performance.now() - t0) / 1000;
  const ignored = [...list.ignored, ...expanded.ignored].map((path) => ({ path, reason: NOT_AN_IMAGE }));
  const left = [...expanded.failed, ...ignored];
  if (expanded.images.length === 0) {
    problems.show(left.sort((a, b) => comparePaths(a.path, b.path)));
    throw new UserError(`no images among the ${files.length} files given (png, jpg, jpeg, webp, gif, tif, tiff, or .tar shards of them)`);
  }
  status.clearProvider();
  const s = await sessionFor(
    model,
    expanded.images.some((i) => i.bytes === undefined),
  );
  const result = await embedImages(
    expanded.images,
    s,
    info,
    (p) => status.message(`embedding ${p.done} / ${p.total} images on ${s.provider}… ${Math.round(p.done / p.seconds)} images/s`),
    convertColour.checked,
  );
  problems.show([...result.failed, ...left].sort((a, b) => comparePaths(a.path, b.path)));
  const { count } = result.points;
  // An embed that yields nothing must not take away the map the user had.
  if (count > 0) showRun(result.points);
  status.embedded(count, result.seconds + readSeconds, result.failed.length + left.length, s.provider, s.threads, s.note);
  status.decodedDirectly(result.direct);
  if (count === 0)
    throw new UserError(`none of the ${expanded.images.length} images could be embedded (see the list below); the map is unchanged`);
}

async function openCsv(text: string, name: string): Promise<void> {
  const set = pointsFromCsv(text, name);
  problems.show([]);
  show(set);
  status.message(`opened ${name}: ${set.count} points; thumbnails load from the served folder`);
}

async function embedVectorFile(file: File, model: LoadedModel, info: FeatureModelInfo): Promise<void> {
  status.clearProvider();
  const m = await readVectorFile(file, info, model.name);
  const s = await sessionFor(model, false);
  status.message(`embedding ${m.count} vectors on ${s.provider}…`);
  const result = await embedVectors(m, s, info);
  problems.show([]);
  showRun(result.points);
  status.embedded(m.count, result.seconds, 0, s.provider, s.threads, s.note, 'vectors');
}

/** A dropped or picked .npy or CSV: vectors to embed when the model takes them and it is not a points.csv, else a points.csv to open. */
async function openFile(file: File): Promise<void> {
  const text = /\.csv$/i.test(file.name) ? await file.text() : undefined;
  const info = model?.info;
  if (info?.inputKind === 'features' && isVectorFile(file.name, text)) return embedVectorFile(file, model!, info);
  if (text === undefined)
    throw new UserError(
      `${file.name} holds feature vectors; load a model trained on them first (${model ? `${model.name} takes ${describeInput(model.info)}` : 'no model is loaded'})`,
    );
  return openCsv(text, file.name);
}

function inputFiles(id: string, use: (files: FileList) => Promise<void>): void {
  const input = $<HTMLInputElement>(id);
  input.addEventListener(
    'change',
    guard(async () => {
      if (input.files && input.files.length > 0) await use(input.files);
      input.value = ''; // so that choosing the same files again fires 'change'
    }),
  );
}

inputFiles('model-input', async (f) => setModel(await modelFromFile(f[0]!)));
inputFiles('images-input', (f) => embed(filesFromInput(f)));
inputFiles('folder-input', (f) => embed(filesFromInput(f)));
inputFiles('csv-input', (f) => openFile(f[0]!));
colourSelect.addEventListener('change', recolour);
$('reset-view').addEventListener('click', () => view.resetView());
downloadButton.addEventListener('click', () => {
  if (points) downloadText('points.csv', pointsToCsv(points, styleCheck.checked));
});
listenForDrops(
  $('drop-overlay'),
  {
    model: (file) => guard(async () => setModel(await modelFromFile(file)))(),
    csv: (file) => guard(() => openFile(file))(),
    images: (files) => guard(() => embed(files))(),
  },
  (err) => status.error(err),
);

/** ?ep=wasm|webgpu picks the provider; ?points=rel/path.csv opens a CSV under the served folder. */
async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const ep = params.get('ep');
  if (ep === 'wasm' || ep === 'webgpu' || ep === 'auto') epSelect.value = ep;
  updateStyleOption(styleCheck, $('style-hint'), undefined);
  const m = await fetchServerModel();
  if (m) await setModel(m);
  else status.modelLoaded('none on the server: open or drop a model.onnx');
  const csv = params.get('points');
  if (csv) {
    const res = await fetch(`/files/${csv.split('/').map(encodeURIComponent).join('/')}`);
    if (!res.ok) throw new UserError(`cannot open ${csv} from the served folder (HTTP ${res.status})`);
    await openCsv(await res.text(), csv);
  }
}

start()
  .catch((err) => status.error(err))
  .finally(() => {
    // Tests and scripts wait for this before driving the page.
    document.body.dataset.ready = 'true';
  });
