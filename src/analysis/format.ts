// CSV and JSON of the `srop` command and of the page's exports (spec/SROP.md §8). Numbers are
// written in JavaScript's shortest round-trip form, so the page and the command agree to the digit.

import { STATUS_NAMES } from './srop';
import type { LayerResult } from './layerResult';
import type { LayerComparison } from './compare';
import { inputComparisonJson, type InputComparison, type InputStats } from './inputStats';

/** The per-map columns; `file` (the file read) is last, so that readers of the older columns keep working. */
export const mapsCsvHeader = 'layer,input,channel,height,width,srop,ring,energy,status,file';
/**
 * The comparison's columns; `tensor` (the layer's full tensor name, else its name) is last, so that
 * readers of the older columns keep working. The command's layers have no other name than their
 * own: its `tensor` repeats `layer` (the page's live layers are shown by their module path).
 */
export const compareCsvHeader = 'layer,channels,dead_a,dead_b,median_a,median_b,delta_median,wasserstein,ks,paired_median_delta,share_rising,inputs_a,inputs_b,test,input_median_delta,p_value,p_holm,tensor';

/** A CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null): string {
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) return '';
  // A number's text never holds a comma, a quote or a line break (the command writes three per map).
  if (typeof value === 'number') return String(value);
  const text = value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The page's per-map export: the command's columns after a `side` column (A or B), and the full
 * `tensor` name last (a live feature map is shown by its module path; a file's layer by its name).
 */
export const sideMapsCsvHeader = `side,${mapsCsvHeader},tensor`;

/**
 * Every map's row; `shownAs` names the layer where its pane shows it otherwise (layerRows.ts
 * displayNames). `firstInput` is added to the input column (`srop run` writes one image at a time);
 * `tensorColumn` appends the full tensor name (the page's CSV).
 */
export function mapsCsvRows(result: Omit<LayerResult, 'profiles'>, prefix = '', shownAs = result.name, options: { firstInput?: number; tensorColumn?: boolean } = {}): string {
  const { firstInput = 0, tensorColumn = false } = options;
  const [, channels, height, width] = result.shape;
  const name = csvField(shownAs);
  const file = csvField(result.file);
  const tensor = tensorColumn ? csvField(result.tensor ?? result.name) : null;
  const lines: string[] = [];
  for (let m = 0; m < result.srop.length; m++) {
    const none = result.status[m] !== 0;
    lines.push(
      prefix +
      [
        name,
        Math.floor(m / channels) + firstInput,
        m % channels,
        height,
        width,
        none ? '' : csvField(result.srop[m]),
        none ? '' : result.ring[m],
        csvField(result.energy[m]),
        STATUS_NAMES[result.status[m]],
        file,
        ...(tensor === null ? [] : [tensor]),
      ].join(','),
    );
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * A compared layer's row: the pooled figures (§6), then the statistics across inputs (§6a), then
 * the layer's full tensor name (`tensor`; its name where it has no other).
 */
export function compareCsvRow(c: LayerComparison, s: InputStats, tensor: string = c.layer): string {
  return (
    [
      c.layer, c.channels, c.dead_a, c.dead_b, c.median_a, c.median_b, c.delta_median, c.wasserstein, c.ks, c.paired_median_delta, c.share_rising,
      s.inputs_a, s.inputs_b, s.test, s.input_median_delta, s.p_value, s.p_holm, tensor,
    ]
      .map((v) => csvField(v))
      .join(',') + '\n'
  );
}

/** Per input, per channel: [[...C values] x N]. */
function byInput<T>(result: Omit<LayerResult, 'profiles'>, value: (m: number) => T): T[][] {
  const [n, c] = result.shape;
  return Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, ch) => value(i * c + ch)));
}

export function layerJson(result: Omit<LayerResult, 'profiles'>) {
  const none = (m: number) => result.status[m] !== 0;
  return {
    name: result.name,
    ...(result.tensor ? { tensor: result.tensor } : {}),
    file: result.file,
    shape: result.shape,
    layout: result.layout,
    srop: byInput(result, (m) => (none(m) ? null : result.srop[m])),
    ring: byInput(result, (m) => (none(m) ? null : result.ring[m])),
    status: byInput(result, (m) => STATUS_NAMES[result.status[m]]),
    summary: result.summary,
    ...(result.inputNames ? { inputs: [...result.inputNames] } : {}),
  };
}

/** A compared layer in the JSON: the pooled figures, then the statistics across inputs and, where known, each input's file. */
export function comparisonJson(c: LayerComparison, s: InputComparison, names: { a?: readonly string[]; b?: readonly string[] } = {}) {
  return {
    ...c,
    ...inputComparisonJson(s),
    ...(names.a ? { input_files_a: [...names.a] } : {}),
    ...(names.b ? { input_files_b: [...names.b] } : {}),
  };
}
