// The `srop` command's work, separate from process handling so tests can run it in-process:
// open files -> engine profiles per layer -> analysis -> CSV or JSON.

import type { Writable } from 'node:stream';
import { openActivationPath } from '../io/node';
import { ActivationFileError, layerErrorMessage, type Layer } from '../io/types';
import type { CliEngine } from './engineForCli';
import { DEFAULT_PARAMS, type SropParams } from '../analysis/srop';
import { layerResult, type LayerResult } from '../analysis/layerResult';
import { compareLayers, sameMaps, type LayerComparison } from '../analysis/compare';
import { USAGE, parseArgs, subcommandOf, UsageError, type CliOptions } from './args';
import { compareInputs, withHolm, type InputComparison } from '../analysis/inputStats';
import { profileWithRecovery } from '../engine/recovery';
import { APP_NAME, APP_VERSION } from '../version';
import { matchLayers } from '../analysis/matchLayers';
import { mapsCsvHeader, mapsCsvRows, compareCsvHeader, compareCsvRow, layerJson, comparisonJson } from '../analysis/format';
import { FileBound, activationFileDocument, paneDocument, sessionDocument, sessionLine, sessionPathProblem, writeSessionFile, type KeptLayer } from './sessionFile';
import type { FileDocument } from '../session/sessionDocument';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Engine to use; given by tests, otherwise made from --backend. */
  engineFor?: (options: CliOptions) => Promise<CliEngine>;
}

export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(text)) return resolve();
    // Each wait takes its listeners off again: a slow output (a file, a pipe) waits once per
    // layer, and listeners left behind piled up past Node's limit of ten (a warning on stderr).
    const drained = () => {
      stream.off('error', failed);
      resolve();
    };
    const failed = (error: Error) => {
      stream.off('drain', drained);
      reject(error);
    };
    stream.once('drain', drained).once('error', failed);
  });
}

export function paramsOf(options: CliOptions): SropParams {
  return { ...DEFAULT_PARAMS, kappa: options.kappa, dc: options.dc, domain: options.domain, interpolate: options.interpolate };
}

interface FileLayers {
  file: string;
  layers: Layer[];
  /** Messages of what could not be opened (the file, or some of its members). */
  errors: string[];
  /** Frees the file once its layers are done. */
  close: () => void;
}

/** Opens every file; reports each bad file or layer as one line on stderr. */
async function openAll(files: string[], options: CliOptions, io: CliIo): Promise<{ opened: FileLayers[]; failures: number }> {
  const opened: FileLayers[] = [];
  let failures = 0;
  for (const file of files) {
    const { layers, errors, close } = await openActivationPath(file, options.layout);
    for (const error of errors) {
      failures++;
      await write(io.stderr, `srop: ${error.message}\n`);
    }
    if (options.layout === 'auto') {
      if (options.verbose) {
        for (const layer of layers) await write(io.stderr, `srop: ${file}: ${layer.name}: layout ${layer.layoutReason}\n`);
      } else if (layers.length > 0) await write(io.stderr, layoutLine(file, layers));
    }
    opened.push({ file, layers, errors: errors.map((e) => e.message), close });
  }
  return { opened, failures };
}

/**
 * A's layers paired with B's by name (the page's rule, analysis/matchLayers.ts: the same name,
 * else a name they both answer to, such as a tensor name's module path); each of B's pairs once.
 */
export function pairLayers(a: string[], b: string[]): Map<string, string> {
  const matched = matchLayers(a.map((name) => ({ name })), b.map((name) => ({ name })));
  return new Map(a.flatMap((name, i) => (matched[i] === undefined ? [] : [[name, b[matched[i]!]] as [string, string]])));
}

/**
 * One line per file for the layouts guessed: the layout of each layer counted, with the first
 * layer's reason (`--verbose` gives every layer's).
 */
export function layoutLine(file: string, layers: Layer[]): string {
  const counts = new Map<string, number>();
  for (const layer of layers) counts.set(layer.layout, (counts.get(layer.layout) ?? 0) + 1);
  const plural = (n: number) => `${n} layer${n === 1 ? '' : 's'}`;
  const parts = [...counts].map(([layout, n]) => `${layout} for ${plural(n)}`);
  const first = layers[0];
  const reason = layers.length === 1 ? first.layoutReason : `${first.name}: ${first.layoutReason}${layers.length > 1 ? '; --verbose for every layer' : ''}`;
  return `srop: ${file}: layout ${parts.join(', ')} (${reason})\n`;
}

/**
 * The line for a layer that could not be done: `srop: <file>: <reason>`, the reason naming the
 * member, tensor or layer once, on one line (the page words it the same: layerErrorMessage).
 */
export function layerErrorLine(layer: Layer, error: unknown): string {
  return `srop: ${layerErrorMessage(layer, error)}\n`;
}

/**
 * Profiles a layer on the engine of the moment and turns them into per-map SROPs. A failure
 * after which the engine was replaced (a lost GPU device) runs the layer once more on the new
 * one; any other failure is reported, not thrown. The lines for stderr come back with the result,
 * so that they are written in layer order however the layers overlap.
 */
export async function analyse(layer: Layer, engines: CliEngine, params: SropParams): Promise<{ result: LayerResult | null; messages: string[]; error: string | null }> {
  const outcome = await profileWithRecovery(layer, { engine: () => engines.engine(), replaced: (failed) => engines.replaced(failed), retries: 1 });
  const messages = outcome.retried.map(({ reason, next }) => `srop: warning: ${reason}; ${layer.file}: ${layer.name} runs again on the ${next.backend.toUpperCase()} engine\n`);
  if (outcome.kind === 'done') return { result: layerResult(layer, outcome.profiles, params), messages, error: null };
  const error = layerErrorMessage(layer, outcome.error);
  messages.push(`srop: ${error}\n`);
  return { result: null, messages, error };
}

/**
 * Each layer's result, in order, its stderr lines written first. The next layer is started before
 * this one is awaited: on the GPU engine its reading and upload overlap this one's GPU work and
 * read-back (the engine serialises submissions and bounds what is in flight); on the CPU engine's
 * pool the workers would otherwise wait for the slowest chunk of every layer; on the CPU engine on
 * the command's own thread (--threads 0) the next layer's first chunk is read (by Node's own
 * threads) while this one is transformed, where the thread used to wait for it (most VGG16 layers
 * are one chunk: docs/benchmarks.md). Two layers' chunks are in memory at most. A consumer that
 * stops early (a failed write) waits for the layer started ahead, so that nothing runs after the
 * engine is closed.
 */
async function* analysed(layers: Layer[], engines: CliEngine, params: SropParams, io: CliIo): AsyncGenerator<[Layer, LayerResult | null, string | null]> {
  let next: ReturnType<typeof analyse> | null = null;
  try {
    for (let i = 0; i < layers.length; i++) {
      const current = next ?? analyse(layers[i], engines, params);
      next = i + 1 < layers.length ? analyse(layers[i + 1], engines, params) : null;
      const { result, messages, error } = await current;
      for (const line of messages) await write(io.stderr, line);
      yield [layers[i], result, error];
    }
  } finally {
    if (next) await next;
  }
}

export async function runSrop(argv: string[], io: CliIo): Promise<number> {
  // run and merge parse their own arguments (loaded only when asked for: run brings onnxruntime-node).
  const subcommand = subcommandOf(argv);
  if (subcommand === 'run') return (await import('./runModel')).runModelCommand(argv, io);
  if (subcommand === 'merge') return (await import('./merge')).mergeCommand(argv, io);
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      await write(io.stderr, `srop: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    await write(io.stdout, `${USAGE}\n`);
    return 0;
  }
  if (options.session) {
    // A session that could not be written is found before the work, not after it.
    const problem = await sessionPathProblem(options.session);
    if (problem) {
      await write(io.stderr, `srop: ${problem}\n`);
      return 2;
    }
  }
  if (options.out) {
    // --out: the results go to the file; messages stay on stderr.
    const { createWriteStream } = await import('node:fs');
    const file = createWriteStream(options.out);
    const opened = await new Promise<Error | null>((resolve) => file.once('open', () => resolve(null)).once('error', resolve));
    if (opened) {
      await write(io.stderr, `srop: ${options.out}: cannot write the output file (${opened.message})\n`);
      return 2;
    }
    try {
      return await runParsed(options, { ...io, stdout: file });
    } finally {
      await new Promise<void>((resolve) => file.end(resolve));
    }
  }
  return runParsed(options, io);
}

async function runParsed(options: CliOptions, io: CliIo): Promise<number> {
  const make = io.engineFor ?? (await import('./engineForCli')).engineForCli;
  const engines = await make(options);
  const { note, warning, close } = engines;
  let closeFiles = () => {};
  try {
    await write(io.stderr, `srop: backend ${note}\n`);
    if (warning) await write(io.stderr, `srop: warning: ${warning}\n`);
    const params = paramsOf(options);
    const { opened, failures: openFailures } = await openAll(options.files, options, io);
    closeFiles = () => opened.forEach((o) => o.close());
    let failures = openFailures;
    // The engine of the end of the run (a lost device may have replaced the first one).
    const header = () => ({ app: APP_NAME, version: APP_VERSION, params, backend: engines.engine().backend, adapter: engines.engine().adapter });
    // With --session, each layer's profiles (or its error) are kept until the session is written.
    const kept = new Map<Layer, KeptLayer>();
    const keep = (layer: Layer, result: LayerResult | null, error: string | null) => {
      if (options.session) kept.set(layer, { layer, profiles: result?.profiles ?? null, error });
    };

    if (options.command === 'maps') {
      const jsonLayers: unknown[] = [];
      if (options.format === 'csv') await write(io.stdout, mapsCsvHeader + '\n');
      for await (const [layer, result, error] of analysed(opened.flatMap((o) => o.layers), engines, params, io)) {
        keep(layer, result, error);
        if (!result) {
          failures++;
          continue;
        }
        if (options.format === 'csv') await write(io.stdout, mapsCsvRows(result));
        else jsonLayers.push(layerJson(result));
      }
      if (options.format === 'json') await write(io.stdout, JSON.stringify({ ...header(), files: options.files, layers: jsonLayers }) + '\n');
    } else {
      // compare: layers matched by name, in A's order, then B's layers that A lacks.
      const [a, b] = opened;
      const resultsA = new Map<string, LayerResult>();
      const resultsB = new Map<string, LayerResult>();
      for (const [side, results] of [[a, resultsA], [b, resultsB]] as const) {
        for await (const [layer, result, error] of analysed(side.layers, engines, params, io)) {
          keep(layer, result, error);
          if (result) results.set(layer.name, result);
          else failures++;
        }
      }
      await writeComparison({ file: a.file, results: resultsA }, { file: b.file, results: resultsB }, options, io, header());
    }
    if (options.session) {
      // srop <files>: every file in pane A; compare: A's file in A, B's in B (as the page compares them).
      const bound = new FileBound(options.sessionMaxMb);
      const panes: Record<'A' | 'B', { files: FileDocument[]; errors: string[] }> = { A: { files: [], errors: [] }, B: { files: [], errors: [] } };
      for (const [i, o] of opened.entries()) {
        const pane = panes[options.command === 'compare' && i === 1 ? 'B' : 'A'];
        pane.errors.push(...o.errors);
        const layers = o.layers.map((layer) => kept.get(layer)!);
        pane.errors.push(...layers.flatMap((k) => (k.error ? [k.error] : [])));
        // A file none of whose layers could be opened is no file of the pane (the page's rule): its messages say why.
        if (layers.length) pane.files.push(await activationFileDocument(o.file, options.layout, layers, bound));
      }
      const doc = sessionDocument('srop', params, { A: paneDocument(panes.A.files, panes.A.errors), B: paneDocument(panes.B.files, panes.B.errors) });
      const about = { command: options.command === 'compare' ? 'srop compare' : 'srop', ...header(), files: options.files, sessionMaxMb: options.sessionMaxMb, leftOut: bound.leftOut };
      const written = await writeSessionFile(options.session, doc, about);
      if ('error' in written) {
        await write(io.stderr, `srop: ${written.error}\n`);
        return 2;
      }
      await write(io.stderr, sessionLine(options.session, doc, written.bytes, bound));
    }
    return failures > 0 ? 2 : 0;
  } finally {
    closeFiles();
    close();
  }
}

/** One side of a comparison: its layers' results by name (in order), and what it is called. */
export interface ComparisonSide {
  file: string;
  results: Map<string, LayerResult>;
}

/**
 * The comparison output of `srop compare` (and of `srop run --b`): layers matched by name, in A's
 * order; layers on one side only, or whose maps differ, are named on stderr. `header` goes first
 * in the JSON (params, backend, adapter, and anything the caller adds).
 */
export async function writeComparison(a: ComparisonSide, b: ComparisonSide, options: CliOptions, io: CliIo, header: Record<string, unknown>): Promise<void> {
  const comparisons: LayerComparison[] = [];
  const acrossInputs: InputComparison[] = [];
  const names: Array<{ a?: readonly string[]; b?: readonly string[] }> = [];
  // The CSV's `tensor` column: A's tensor name where its layer has one, else its name.
  const tensors: string[] = [];
  // B's layer for each of A's: the same name, else one answering to one of its names (the module
  // path of an exporter's tensor name: a page export against a forward-hook dump).
  const pairs = pairLayers([...a.results.keys()], [...b.results.keys()]);
  const pairedB = new Set(pairs.values());
  for (const [name, ra] of a.results) {
    const bName = pairs.get(name);
    const rb = bName === undefined ? undefined : b.results.get(bName);
    if (!rb || bName === undefined) {
      await write(io.stderr, `srop: layer ${name}: only in A (${a.file}), not compared\n`);
      continue;
    }
    if (bName !== name) await write(io.stderr, `srop: layer ${name}: compared with B's ${bName} (the same module path)\n`);
    if (!sameMaps(ra.shape, rb.shape)) {
      await write(io.stderr, `srop: layer ${name}: shapes differ, A ${ra.shape.join('x')} and B ${rb.shape.join('x')}${ra.shape[1] === rb.shape[1] ? '' : '; no paired figures'}\n`);
    }
    comparisons.push(compareLayers(ra, rb));
    acrossInputs.push(compareInputs(ra, rb, options.paired));
    names.push({ a: ra.inputNames, b: rb.inputNames });
    tensors.push(ra.tensor ?? name);
  }
  // Holm's adjustment over the layers compared.
  const inputStats = withHolm(acrossInputs);
  for (const name of b.results.keys()) {
    if (!pairedB.has(name)) await write(io.stderr, `srop: layer ${name}: only in B (${b.file}), not compared\n`);
  }
  if (options.format === 'csv') {
    await write(io.stdout, compareCsvHeader + '\n' + comparisons.map((c, i) => compareCsvRow(c, inputStats[i], tensors[i])).join(''));
  } else {
    await write(io.stdout, JSON.stringify({ ...header, files: { a: a.file, b: b.file }, paired: options.paired, layers: comparisons.map((c, i) => comparisonJson(c, inputStats[i], names[i])) }) + '\n');
  }
}
