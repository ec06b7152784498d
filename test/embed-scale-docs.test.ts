/**
 * The scale-out examples as users copy them: docs/scale-out.md shows docs/examples' Slurm script
 * and Kubernetes manifest as they are in their files (comment lines aside), and the manifest's
 * command, run by sh as its four pods would run it (JOB_COMPLETION_INDEX 0 to 3, its /data a
 * temporary folder: no Kubernetes here), embeds the folder so that embed-check passes. The Slurm
 * script runs under a real Slurm in embed-slurm.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeModel, mnistFolder } from './embed-helpers.ts';
import { embedOnPath, runCheck } from './shard-helpers.ts';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
let tmp: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-docs-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** The code blocks of a Markdown file in `lang`. */
async function codeBlocks(file: string, lang: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}

/** A file without its comment lines (a `#` in the first column), but the #! and #SBATCH lines. */
const withoutComments = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('#') || l.startsWith('#!') || l.startsWith('#SBATCH'))
    .join('\n');

/** The manifest's container command: the folded (`>-`) scalar under `args:`, its lines joined by spaces. */
function manifestCommand(yaml: string): string {
  const lines = yaml.split('\n');
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const start = lines.findIndex((l) => l.trim() === '- >-') + 1;
  const body: string[] = [];
  for (let i = start; i < lines.length && indentOf(lines[i]!) >= indentOf(lines[start]!); i++) body.push(lines[i]!.trim());
  return body.join(' ');
}

test('scale-out.md shows the Slurm script and the Kubernetes manifest as they are in docs/examples', async () => {
  const page = join(DOCS, 'scale-out.md');
  const sbatch = await readFile(join(DOCS, 'examples', 'embed.sbatch'), 'utf8');
  const manifest = await readFile(join(DOCS, 'examples', 'embed-indexed-job.yaml'), 'utf8');
  assert.ok((await codeBlocks(page, 'bash')).includes(withoutComments(sbatch)), 'the Slurm script');
  assert.ok((await codeBlocks(page, 'yaml')).includes(withoutComments(manifest)), 'the manifest');
  assert.match(manifest, /^ {2}completions: 4$/m);
  assert.match(manifestCommand(manifest), /--shard auto --shards 4 --resume/, 'completions and --shards agree');
});

test("the manifest's command, run as its four pods would run it, embeds the folder once", async () => {
  const data = join(tmp, 'data');
  await mkdir(data);
  await makeModel(data);
  await mnistFolder(join(data, 'images'), 400);
  await writeFile(join(data, 'images', '3', 'empty.png'), '');
  const bin = await embedOnPath(tmp);
  const command = manifestCommand(await readFile(join(DOCS, 'examples', 'embed-indexed-job.yaml'), 'utf8')).replaceAll(
    '/data/',
    `${data}/`,
  );
  for (let k = 0; k < 4; k++) {
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, JOB_COMPLETION_INDEX: String(k) };
    const pod = spawnSync('sh', ['-c', command], { env, encoding: 'utf8' });
    assert.equal(pod.status, 0, `pod ${k} (exit 3, a bad file, counts as done): ${pod.stderr}`);
    assert.match(pod.stderr, new RegExp(`^shard ${k}/4 from Kubernetes: JOB_COMPLETION_INDEX ${k} of --shards 4$`, 'm'));
  }
  const check = await runCheck(['--input', join(data, 'images'), '--outputs', join(data, 'embed', 'points-*.csv')]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^ +400 embedded once$/m);
  assert.match(check.stdout, /^ +1 listed as bad/m);
});
