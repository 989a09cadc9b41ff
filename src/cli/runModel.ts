// `srop run`: an ONNX model over a set of images, as the page runs it on one (the same loading,
// choice of feature maps and preprocessing), each chosen feature map profiled on the engine `srop`
// chooses (--backend) and turned into per-map SROPs; CSV rows as each image is done, or one JSON at
// the end (runResult.ts); `--b` writes the comparison of two sets through the same code as
// `srop compare`; `--shard K/N` measures one fixed slice of the sorted image list (merge.ts joins
// the parts).

import type { Writable } from 'node:stream';
import { parseArgs, UsageError, type CliOptions } from './args';
import { analyse, paramsOf, write, writeComparison, type CliIo } from './run';
import type { CliEngine } from './engineForCli';
import { loadModel, NodeModelSession, type LoadedModel } from './nodeModel';
import { listImages, readImage } from '../io/imageNode';
import { memoryLayer } from '../io/memoryLayer';
import { IMAGENET_MEAN, IMAGENET_STD, imageTensor, normalisationProblem, type Preprocessing } from '../model/preprocess';
import { ModelError } from '../model/onnxGraph';
import type { Candidate } from '../model/candidates';
import { layerResult, type LayerResult } from '../analysis/layerResult';
import { mapsCsvHeader, mapsCsvRows } from '../analysis/format';
import type { SropColumns, SropParams } from '../analysis/srop';
import type { RingProfiles } from '../engine/types';
import { concatColumns, runJson, runLayerJson, shardRange, type RunIdentity } from './runResult';
import { paneDocument, profilesFileDocument, sessionDocument, sessionLine, sessionPathProblem, writeSessionFile } from './sessionFile';
import type { PaneDocument } from '../session/sessionDocument';

export const RUN_USAGE = `Usage:
  srop run --model <m.onnx> [options] <images or directories ...> [--b <images or directories ...>]

Runs the model on every image (PNG or JPEG; directories are walked, sub-directories included) and
measures the SROPs of the chosen feature maps, as the page does for one image. The images form one
list sorted by path (code-unit order); "input" in the output is an image's index in it.

Options of run:
  --model <path>            the ONNX model (external data files next to it)
  --outputs <regex>         the feature maps: the model's 4-D float tensors whose name matches (a
                            JavaScript regular expression); default the page's choice (activations
                            after convolutions and block outputs, not 1 x 1 maps)
  --size <H>x<W> | <S>      input size (default the model's input, 224 x 224 where it is dynamic)
  --channels 1|3            greyscale (ITU-R 601 luma) or RGB (default from the model's input)
  --no-scale                do not divide pixel values by 255 first
  --mean <m>[,<m>,<m>]      subtracted per channel (default ImageNet's for RGB, 0 for grey)
  --std <s>[,<s>,<s>]       divided by per channel (default ImageNet's for RGB, 1 for grey)
  --b <images or dirs ...>  a second set (the arguments after --b up to the next option): writes the
                            A-vs-B comparison (the columns of srop compare) instead of per-map rows
  --shard <K>/<N>           measure only slice K (0-based) of N of the sorted image list: images
                            floor(K*T/N) to floor((K+1)*T/N)-1 of the T images; JSON output is a
                            partial result for srop merge
and the options of srop: --kappa --dc --domain --no-interpolate --backend --format --out
--session --session-max-mb (--session: each side one file of the feature maps' ring profiles over
the images, named as the page names a model's maps on a set; not with --shard).

Output: the CSV and JSON of srop (CSV rows image by image; input = the image's index); the JSON
adds "run" (model file and SHA-256, preprocessing, layers, every image path), "images" (the
images of each row) and "failed". Progress on stderr. Exit status 2 when an image could not be
read or measured (one line "srop: <file>: <reason>" each; the rest are still measured).`;

export interface RunOptions {
  common: CliOptions;
  model: string;
  outputs: RegExp | null;
  images: string[];
  b: string[] | null;
  shard: { index: number; count: number } | null;
  size: [number, number] | null;
  channels: 1 | 3 | null;
  scale: boolean;
  mean: number[] | null;
  std: number[] | null;
  help: boolean;
}

const RUN_VALUE_FLAGS = new Set(['--model', '--outputs', '--size', '--channels', '--mean', '--std', '--shard']);

function numbers(flag: string, text: string): number[] {
  const values = text.split(',').map((t) => Number(t.trim()));
  if (text.trim() === '' || values.some((v) => !Number.isFinite(v))) throw new UsageError(`${flag} takes numbers separated by commas, not "${text}"`);
  return values;
}

/** Parses `srop run ...` (the word run included); the options it shares with srop go to parseArgs. */
export function parseRunArgs(argv: readonly string[]): RunOptions {
  const run: Omit<RunOptions, 'common'> = { model: '', outputs: null, images: [], b: null, shard: null, size: null, channels: null, scale: true, mean: null, std: null, help: false };
  const rest: string[] = [];
  let sawRun = false;
  let target: string[] = run.images;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (!sawRun && arg === 'run') {
      sawRun = true;
      continue;
    }
    if (arg === '--') {
      target.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      target.push(arg);
      continue;
    }
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--b') {
      if (run.b) throw new UsageError('--b is given twice');
      run.b = value !== undefined ? [value] : [];
      target = run.b;
      continue;
    }
    // Any other option ends the arguments of --b.
    target = run.images;
    if (arg === '-h' || arg === '--help') {
      run.help = true;
      continue;
    }
    if (arg === '--no-scale') {
      run.scale = false;
      continue;
    }
    if (arg === '--layout') throw new UsageError('--layout does not apply to run: the graph gives each feature map\'s layout (the shape rule where it does not)');
    if (!RUN_VALUE_FLAGS.has(arg)) {
      rest.push(argv[i]);
      // A value of srop's own options follows them (parseArgs checks it).
      if (value === undefined && ['--kappa', '--dc', '--domain', '--backend', '--format', '--out', '--session', '--session-max-mb'].includes(arg) && i + 1 < argv.length) rest.push(argv[++i]);
      continue;
    }
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      i++;
    }
    switch (arg) {
      case '--model':
        run.model = value;
        break;
      case '--outputs':
        try {
          run.outputs = new RegExp(value);
        } catch (error) {
          throw new UsageError(`--outputs: "${value}" is not a regular expression (${(error as Error).message})`);
        }
        break;
      case '--size': {
        const m = /^(\d+)(?:x(\d+))?$/.exec(value);
        const h = m ? Number(m[1]) : NaN, w = m ? Number(m[2] ?? m[1]) : NaN;
        if (!m || !(h >= 1 && w >= 1 && h <= 16384 && w <= 16384)) throw new UsageError(`--size takes <H>x<W> or <S> in pixels (1 to 16384), not "${value}"`);
        run.size = [h, w];
        break;
      }
      case '--channels':
        if (value !== '1' && value !== '3') throw new UsageError(`--channels must be 1 or 3, not "${value}"`);
        run.channels = Number(value) as 1 | 3;
        break;
      case '--mean':
        run.mean = numbers(arg, value);
        break;
      case '--std':
        run.std = numbers(arg, value);
        break;
      case '--shard': {
        const m = /^(\d+)\/(\d+)$/.exec(value);
        const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
        if (!m || !(count >= 1 && index < count)) throw new UsageError(`--shard takes K/N with 0 <= K < N (K counts from 0, as a Kubernetes Job's completion index), not "${value}"`);
        run.shard = { index, count };
        break;
      }
    }
  }
  if (run.help) return { ...run, common: parseArgs(['--help']) };
  if (!run.model) throw new UsageError('run needs --model <m.onnx>');
  if (run.images.length === 0) throw new UsageError('run needs images or directories');
  if (run.b && run.b.length === 0) throw new UsageError('--b needs images or directories after it');
  if (run.b && run.shard) throw new UsageError('--shard does not go with --b: a comparison needs every image of both sets in one run');
  const common = parseArgs([...rest, '--', ...run.images]);
  if (common.session && run.shard) {
    throw new UsageError('--session does not go with --shard: a session keeps every layer\'s ring profiles over all the images, and a shard holds a part of them whose merge (srop merge) joins SROPs, not profiles; write the session from one run over every image (without --shard)');
  }
  return { ...run, common };
}

/** The model's default preprocessing with the options' changes; a bad mean or std is a usage error. */
export function preprocessingOf(defaults: Preprocessing, options: RunOptions): Preprocessing {
  const p: Preprocessing = { ...defaults };
  if (options.size) [p.height, p.width] = options.size;
  if (options.channels && options.channels !== p.channels) {
    p.channels = options.channels;
    p.mean = options.channels === 3 ? [...IMAGENET_MEAN] : [0];
    p.std = options.channels === 3 ? [...IMAGENET_STD] : [1];
  }
  p.scaleTo01 = options.scale;
  if (options.mean) p.mean = options.mean;
  if (options.std) p.std = options.std;
  for (const kind of ['mean', 'std'] as const) {
    const problem = normalisationProblem(kind, p[kind], p.channels);
    if (problem) throw new UsageError(`--${kind}: ${problem}`);
  }
  return p;
}

/** The feature maps to measure: --outputs' matches among the 4-D float tensors, else the page's default. */
export function chooseLayers(model: LoadedModel, outputs: RegExp | null): Candidate[] {
  const byName = new Map(model.candidates.map((c) => [c.tensor, c]));
  if (!outputs) return model.defaults.map((t) => byName.get(t)!);
  const chosen = model.candidates.filter((c) => outputs.test(c.tensor));
  if (chosen.length === 0) {
    const names = model.candidates.map((c) => c.tensor);
    throw new ModelError(model.parsed.fileName, `no 4-D float tensor matches --outputs ${outputs.source} (the model has ${names.length}: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''})`);
  }
  return chosen;
}

/** Images done, images per second and time left, on stderr: every 2 s, and once at the end. */
class Progress {
  private readonly started = performance.now();
  private last = this.started;
  constructor(private readonly stderr: Writable, private readonly total: number, private readonly label: string) {}

  async tick(done: number): Promise<void> {
    const now = performance.now();
    if (done < this.total && now - this.last < 2000) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const text = done < this.total
      ? `srop: ${this.label}${done}/${this.total} images, ${rate.toFixed(1)} images/s, about ${rate > 0 ? Math.ceil((this.total - done) / rate) : '?'} s left\n`
      : `srop: ${this.label}${done}/${this.total} images in ${seconds.toFixed(2)} s (${rate.toFixed(1)} images/s)\n`;
    await write(this.stderr, text);
  }
}

interface SideOutcome {
  images: Array<{ input: number; path: string }>;
  failed: Array<{ input: number; path: string; reason: string }>;
  /** Per layer (in order), per image measured: its maps' SROP columns and, when kept, profiles. */
  columns: SropColumns[][];
  profiles: RingProfiles[][];
}

/**
 * Runs the model on `paths[first..end)` (global indices `first + j`), one image at a time, each
 * chosen map profiled on the engine of the moment. `onImage` gets each measured image's results.
 */
async function measure(
  paths: readonly string[], first: number, end: number,
  ctx: { session: NodeModelSession; model: LoadedModel; layers: Candidate[]; preprocessing: Preprocessing; engines: CliEngine; params: SropParams; io: CliIo; keepProfiles: boolean; label: string },
  onImage: (input: number, results: LayerResult[]) => Promise<void>,
): Promise<SideOutcome> {
  const { session, model, layers, preprocessing: p, engines, params, io } = ctx;
  const outcome: SideOutcome = { images: [], failed: [], columns: layers.map(() => []), profiles: layers.map(() => []) };
  const progress = new Progress(io.stderr, end - first, ctx.label);
  const dims = [1, p.channels, p.height, p.width];
  const fileName = model.parsed.fileName;
  for (let input = first; input < end; input++) {
    const path = paths[input];
    let results: LayerResult[] | null = null;
    let reason = '';
    try {
      const image = await readImage(path);
      const outputs = await session.run(imageTensor(image, p), dims);
      results = [];
      for (const c of layers) {
        const t = outputs.get(c.tensor);
        if (!t || t.dims.length !== 4) throw new Error(`the model did not return feature map ${c.tensor} as a 4-D float tensor`);
        const { result, messages } = await analyse(memoryLayer(c.tensor, fileName, t, c.readAs, c.readReason), engines, params);
        for (const line of messages) await write(io.stderr, line);
        if (!result) throw new Error(`feature map ${c.tensor} could not be measured`);
        results.push(result);
      }
    } catch (error) {
      results = null;
      const message = error instanceof ModelError ? error.reason : (error as Error).message;
      reason = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    }
    if (results) {
      outcome.images.push({ input, path });
      results.forEach((r, k) => {
        outcome.columns[k].push({ maps: r.maps, srop: r.srop, ring: r.ring, energy: r.energy, status: r.status });
        if (ctx.keepProfiles && r.profiles) outcome.profiles[k].push(r.profiles);
      });
      await onImage(input, results);
    } else {
      outcome.failed.push({ input, path, reason });
      await write(io.stderr, `srop: ${path}: ${reason}\n`);
    }
    await progress.tick(input - first + 1);
  }
  return outcome;
}

/** Ring profiles of several runs of one layer, maps appended (all of one H x W, so one ring count). */
export function concatProfiles(parts: readonly RingProfiles[], height: number, width: number, rings: number): RingProfiles {
  const maps = parts.reduce((a, p) => a + p.maps, 0);
  const out: RingProfiles = { height, width, maps, rings, inDisc: new Float64Array(maps * rings), outDisc: new Float64Array(maps * rings), dc: new Float64Array(maps), sumSquares: new Float64Array(maps), nonFinite: new Uint8Array(maps) };
  let at = 0;
  for (const p of parts) {
    out.inDisc.set(p.inDisc, at * rings);
    out.outDisc.set(p.outDisc, at * rings);
    out.dc.set(p.dc, at);
    out.sumSquares.set(p.sumSquares, at);
    out.nonFinite.set(p.nonFinite, at);
    at += p.maps;
  }
  return out;
}

async function withOutputStream(out: string | null, io: CliIo, work: (io: CliIo) => Promise<number>): Promise<number> {
  if (!out) return work(io);
  const { createWriteStream } = await import('node:fs');
  const file = createWriteStream(out);
  const opened = await new Promise<Error | null>((resolve) => file.once('open', () => resolve(null)).once('error', resolve));
  if (opened) {
    await write(io.stderr, `srop: ${out}: cannot write the output file (${opened.message})\n`);
    return 2;
  }
  try {
    return await work({ ...io, stdout: file });
  } finally {
    await new Promise<void>((resolve) => file.end(resolve));
  }
}

export async function runModelCommand(argv: string[], io: CliIo): Promise<number> {
  let options: RunOptions;
  try {
    options = parseRunArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      await write(io.stderr, `srop: ${error.message}\n\n${RUN_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    await write(io.stdout, `${RUN_USAGE}\n`);
    return 0;
  }
  if (options.common.session) {
    // A session that could not be written is found before the model is loaded, not after the run.
    const problem = await sessionPathProblem(options.common.session);
    if (problem) {
      await write(io.stderr, `srop: ${problem}\n`);
      return 2;
    }
  }
  let model: LoadedModel;
  let layers: Candidate[];
  let preprocessing: Preprocessing;
  try {
    model = await loadModel(options.model, (defaults) => preprocessingOf(defaults, options));
    layers = chooseLayers(model, options.outputs);
    preprocessing = model.preprocessing;
  } catch (error) {
    if (error instanceof UsageError) {
      await write(io.stderr, `srop: ${error.message}\n\n${RUN_USAGE}\n`);
      return 2;
    }
    if (error instanceof ModelError) {
      await write(io.stderr, `srop: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return withOutputStream(options.common.out, io, (out) => runWith(options, model, layers, preprocessing, out));
}

async function runWith(options: RunOptions, model: LoadedModel, layers: Candidate[], preprocessing: Preprocessing, io: CliIo): Promise<number> {
  const common = options.common;
  let failures = 0;
  const listA = await listImages(options.images);
  const listB = options.b ? await listImages(options.b) : null;
  for (const line of [...listA.errors, ...(listB?.errors ?? [])]) {
    failures++;
    await write(io.stderr, `srop: ${line}\n`);
  }
  const make = io.engineFor ?? (await import('./engineForCli')).engineForCli;
  const engines = await make(common);
  let session: NodeModelSession | null = null;
  try {
    await write(io.stderr, `srop: backend ${engines.note}\n`);
    if (engines.warning) await write(io.stderr, `srop: warning: ${engines.warning}\n`);
    await write(io.stderr, `srop: ${model.parsed.fileName}: ${layers.length} feature map${layers.length === 1 ? '' : 's'} (${layers.map((c) => c.tensor).join(', ')}); input ${preprocessing.channels} x ${preprocessing.height} x ${preprocessing.width}\n`);
    session = await NodeModelSession.create(model, layers.map((c) => c.tensor));
    const params = paramsOf(common);
    const header = () => ({ params, backend: engines.engine().backend, adapter: engines.engine().adapter });
    const identity = (inputs: string[]): RunIdentity => ({ model: { file: model.parsed.fileName, sha256: model.sha256 }, preprocessing, layers: layers.map((c) => c.tensor), inputs });
    const ctx = { session, model, layers, preprocessing, engines, params, io };
    const fileName = model.parsed.fileName;
    /**
     * A side's pane in the session: one file of the chosen maps' profiles over the images measured
     * (none when no image was), and a message for each path or image that could not be read.
     */
    const sidePane = (outcome: SideOutcome, listErrors: string[], joined?: Map<string, LayerResult>): PaneDocument => {
      const images = outcome.images.map((i) => i.path);
      const files = images.length
        ? [profilesFileDocument(fileName, images, layers.map((candidate, k) => {
            const [, , h, w] = candidate.shape;
            // The comparison's results hold the side's joined profiles already.
            const profiles = joined?.get(candidate.tensor)?.profiles ?? concatProfiles(outcome.profiles[k], h, w, outcome.profiles[k][0].rings);
            return { candidate, profiles };
          }))]
        : [];
      return paneDocument(files, [...listErrors, ...outcome.failed.map((f) => `${f.path}: ${f.reason}`)]);
    };

    if (listB) {
      // Two sets: every image's results kept with its profiles, then compared as srop compare does.
      const sides = [] as Array<{ file: string; results: Map<string, LayerResult>; outcome: SideOutcome }>;
      for (const [label, list, args] of [['A: ', listA, options.images], ['B: ', listB, options.b!]] as const) {
        const outcome = await measure(list.images, 0, list.images.length, { ...ctx, keepProfiles: true, label }, async () => {});
        failures += outcome.failed.length;
        const results = new Map<string, LayerResult>();
        layers.forEach((c, k) => {
          const [, ch, h, w] = c.shape;
          const parts = outcome.profiles[k];
          const rings = parts[0]?.rings ?? 0;
          const profiles = parts.length ? concatProfiles(parts, h, w, rings) : { height: h, width: w, maps: 0, rings: 0, inDisc: new Float64Array(0), outDisc: new Float64Array(0), dc: new Float64Array(0), sumSquares: new Float64Array(0), nonFinite: new Uint8Array(0) };
          results.set(c.tensor, layerResult({ name: c.tensor, file: fileName, shape: [outcome.images.length, ch, h, w], layout: c.readAs }, profiles, params));
        });
        sides.push({ file: args.join(' '), results, outcome });
      }
      const [a, b] = sides;
      await writeComparison(a, b, common, io, {
        ...header(),
        run: { a: identity(listA.images), b: identity(listB.images) },
        images: { a: a.outcome.images, b: b.outcome.images },
        failed: { a: a.outcome.failed, b: b.outcome.failed },
      });
      if (common.session) {
        const written = await writeRunSession(common.session, params, { A: sidePane(a.outcome, listA.errors, a.results), B: sidePane(b.outcome, listB.errors, b.results) }, {
          command: 'srop run',
          ...header(),
          run: { a: identity(listA.images), b: identity(listB.images) },
          images: { a: a.outcome.images, b: b.outcome.images },
          failed: { a: a.outcome.failed, b: b.outcome.failed },
        }, io);
        if (!written) return 2;
      }
      return failures > 0 ? 2 : 0;
    }

    const total = listA.images.length;
    const [first, end] = options.shard ? shardRange(total, options.shard.index, options.shard.count) : [0, total];
    if (options.shard) await write(io.stderr, `srop: shard ${options.shard.index}/${options.shard.count}: images ${first} to ${end - 1} of ${total}\n`);
    if (common.format === 'csv') await write(io.stdout, mapsCsvHeader + '\n');
    // The profiles are kept only for a session (maps x rings numbers per layer and image).
    const outcome = await measure(listA.images, first, end, { ...ctx, keepProfiles: Boolean(common.session), label: '' }, async (input, results) => {
      if (common.format === 'csv') await write(io.stdout, results.map((r) => mapsCsvRows(r, '', r.name, { firstInput: input })).join(''));
    });
    failures += outcome.failed.length;
    if (common.format === 'json') {
      const n = outcome.images.length;
      const json = runJson({
        ...header(),
        run: identity(listA.images),
        shard: options.shard ?? undefined,
        images: outcome.images,
        failed: outcome.failed,
        layers: layers.map((c, k) => {
          const [, ch, h, w] = c.shape;
          return runLayerJson({ name: c.tensor, file: fileName, shape: [n, ch, h, w], layout: c.readAs }, concatColumns(outcome.columns[k]), params);
        }),
      });
      await write(io.stdout, JSON.stringify(json) + '\n');
    }
    if (common.session) {
      const written = await writeRunSession(common.session, params, { A: sidePane(outcome, listA.errors) }, { command: 'srop run', ...header(), run: identity(listA.images), images: outcome.images, failed: outcome.failed }, io);
      if (!written) return 2;
    }
    return failures > 0 ? 2 : 0;
  } catch (error) {
    if (error instanceof ModelError) {
      await write(io.stderr, `srop: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await session?.release();
    engines.close();
  }
}

/** Writes `srop run`'s session (the line on stderr); false, with the message, when it could not be written. */
async function writeRunSession(path: string, params: SropParams, panes: Partial<Record<'A' | 'B', PaneDocument>>, about: Record<string, unknown>, io: CliIo): Promise<boolean> {
  const doc = sessionDocument('srop run', params, panes);
  const written = await writeSessionFile(path, doc, about);
  if ('error' in written) {
    await write(io.stderr, `srop: ${written.error}\n`);
    return false;
  }
  await write(io.stderr, sessionLine(path, doc, written.bytes, null));
  return true;
}
