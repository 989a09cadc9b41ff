// `srop merge <parts ...> --out all.json`: the partial results of one `srop run --shard K/N`
// (JSON) joined into the result of the whole run. The parts must belong to one run: the same
// model (SHA-256), parameters, preprocessing, feature maps and sorted image list, the same N, each
// shard once and none missing. The merge is the JSON `srop run` writes without --shard, byte for
// byte (when every shard ran on the same backend); each layer's summary is computed afresh from the
// joined maps. Ring profiles are not in the parts: SROPs for another kappa need a new run.

import { readFile } from 'node:fs/promises';
import { UsageError } from './args';
import { write, type CliIo } from './run';
import { columnsOf, concatColumns, runJson, runLayerJson, type RunJson } from './runResult';

export const MERGE_USAGE = `Usage:
  srop merge <part.json ...> [--out <all.json>]

Joins the JSON results of srop run --shard K/N (K = 0 .. N-1, each once) into the result of the
whole run, the JSON srop run writes without --shard; checks that the parts are of one run (model
SHA-256, kappa/dc/domain/interpolation, preprocessing, feature maps, image list). Exit status 2
when a part cannot be read or does not fit (one line naming the file and the reason).`;

export interface MergeOptions {
  parts: string[];
  out: string | null;
  help: boolean;
}

export function parseMergeArgs(argv: readonly string[]): MergeOptions {
  const options: MergeOptions = { parts: [], out: null, help: false };
  let sawMerge = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!sawMerge && arg === 'merge') {
      sawMerge = true;
      continue;
    }
    if (arg === '--') {
      options.parts.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') options.help = true;
    else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice(6);
      if (!value) throw new UsageError('--out needs a path');
      options.out = value;
    } else if (/^--session(-max-mb)?(=|$)/.test(arg)) {
      throw new UsageError('merge: --session does not apply to merge: the parts hold SROPs, not the ring profiles a session keeps; write the session with srop run --session, over every image in one run (without --shard)');
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`merge: unknown option ${arg}`);
    else options.parts.push(arg);
  }
  if (!options.help && options.parts.length === 0) throw new UsageError('merge needs the partial results (JSON files of srop run --shard K/N)');
  return options;
}

export class MergeError extends Error {}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Joins parsed parts (each named by its file); throws a MergeError naming the file and the reason. */
export function mergeParts(parts: Array<{ file: string; json: RunJson }>): { merged: RunJson; warnings: string[] } {
  const warnings: string[] = [];
  for (const { file, json } of parts) {
    if (!json || typeof json !== 'object' || !json.run || !Array.isArray(json.layers) || !Array.isArray(json.images) || !Array.isArray(json.failed)) {
      throw new MergeError(`${file}: not a result of srop run in JSON (no "run", "images", "failed" and "layers")`);
    }
    if (!json.shard) throw new MergeError(`${file}: not a partial result (no "shard": it is a whole run, written without --shard)`);
  }
  const first = parts[0];
  const count = first.json.shard!.count;
  for (const { file, json } of parts.slice(1)) {
    const where = `${file}: not of the same run as ${first.file}`;
    if (json.run.model.sha256 !== first.json.run.model.sha256) throw new MergeError(`${where}: another model (${json.run.model.file}, SHA-256 ${json.run.model.sha256.slice(0, 12)}... against ${first.json.run.model.file}, ${first.json.run.model.sha256.slice(0, 12)}...)`);
    if (!same(json.params, first.json.params)) throw new MergeError(`${where}: other parameters (${JSON.stringify(json.params)} against ${JSON.stringify(first.json.params)})`);
    if (!same(json.run.preprocessing, first.json.run.preprocessing)) throw new MergeError(`${where}: other preprocessing (${JSON.stringify(json.run.preprocessing)} against ${JSON.stringify(first.json.run.preprocessing)})`);
    if (!same(json.run.layers, first.json.run.layers)) throw new MergeError(`${where}: other feature maps (${json.run.layers.length} against ${first.json.run.layers.length}; see --outputs)`);
    if (!same(json.run.inputs, first.json.run.inputs)) throw new MergeError(`${where}: another image list (${json.run.inputs.length} images against ${first.json.run.inputs.length}, or other paths)`);
    if (json.shard!.count !== count) throw new MergeError(`${where}: shard ${json.shard!.index}/${json.shard!.count}, not one of ${count}`);
  }
  const byIndex = new Map<number, string>();
  for (const { file, json } of parts) {
    const seen = byIndex.get(json.shard!.index);
    if (seen !== undefined) throw new MergeError(`${file}: shard ${json.shard!.index}/${count} is given twice (also ${seen})`);
    byIndex.set(json.shard!.index, file);
  }
  const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !byIndex.has(k));
  if (missing.length) throw new MergeError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`);
  const ordered = [...parts].sort((a, b) => a.json.shard!.index - b.json.shard!.index);
  const backends = [...new Set(ordered.map((p) => p.json.backend))];
  const adapters = [...new Set(ordered.map((p) => p.json.adapter))];
  if (backends.length > 1) warnings.push(`the shards ran on different backends (${backends.join(', ')}); backend is "mixed"`);
  const layers = first.json.run.layers.map((name, k) => {
    const entries = ordered.map(({ file, json }) => {
      const layer = json.layers[k];
      if (!layer || layer.name !== name) throw new MergeError(`${file}: layer ${k} is ${layer ? layer.name : 'missing'}, not ${name} as its "run" says`);
      return { file, layer };
    });
    const base = entries[0].layer;
    for (const { file, layer } of entries) {
      if (!same(layer.shape.slice(1), base.shape.slice(1)) || layer.layout !== base.layout) throw new MergeError(`${file}: layer ${name} is ${layer.shape.slice(1).join('x')} ${layer.layout}, not ${base.shape.slice(1).join('x')} ${base.layout} as in ${entries[0].file}`);
    }
    const columns = concatColumns(entries.map(({ file, layer }) => columnsOf(layer, file)));
    const n = entries.reduce((a, e) => a + e.layer.shape[0], 0);
    return runLayerJson({ name, file: base.file, shape: [n, base.shape[1], base.shape[2], base.shape[3]], layout: base.layout }, columns, first.json.params);
  });
  const merged = runJson({
    params: first.json.params,
    backend: backends.length > 1 ? 'mixed' : backends[0],
    adapter: backends.length > 1 || adapters.length > 1 ? null : adapters[0],
    run: first.json.run,
    images: ordered.flatMap((p) => p.json.images),
    failed: ordered.flatMap((p) => p.json.failed),
    layers,
  });
  return { merged, warnings };
}

export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  let options: MergeOptions;
  try {
    options = parseMergeArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      await write(io.stderr, `srop: ${error.message}\n\n${MERGE_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    await write(io.stdout, `${MERGE_USAGE}\n`);
    return 0;
  }
  const parts: Array<{ file: string; json: RunJson }> = [];
  let bad = 0;
  for (const file of options.parts) {
    try {
      parts.push({ file, json: JSON.parse(await readFile(file, 'utf8')) as RunJson });
    } catch (error) {
      bad++;
      const code = (error as NodeJS.ErrnoException).code;
      await write(io.stderr, `srop: ${file}: ${code ? `cannot read it (${code})` : `not JSON (${(error as Error).message})`}\n`);
    }
  }
  if (bad) return 2;
  let merged: RunJson;
  try {
    const done = mergeParts(parts);
    merged = done.merged;
    for (const warning of done.warnings) await write(io.stderr, `srop: warning: ${warning}\n`);
  } catch (error) {
    if (error instanceof MergeError || error instanceof Error) {
      await write(io.stderr, `srop: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const text = JSON.stringify(merged) + '\n';
  if (options.out) {
    const { writeFile } = await import('node:fs/promises');
    try {
      await writeFile(options.out, text);
    } catch (error) {
      await write(io.stderr, `srop: ${options.out}: cannot write the output file (${(error as Error).message})\n`);
      return 2;
    }
  } else await write(io.stdout, text);
  await write(io.stderr, `srop: merged ${parts.length} shard${parts.length === 1 ? '' : 's'}: ${merged.images.length} images${merged.failed.length ? `, ${merged.failed.length} failed` : ''}, ${merged.layers.length} layers\n`);
  return 0;
}
