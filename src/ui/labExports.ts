// The lab's exports: CSV with the model, the image and the parameters as leading `# key: value`
// lines, and JSON with the numbers behind each plot (for randomisation, every step's per-layer SROP
// distributions, not only their medians).
import { csvField } from '../analysis/format';
import type { LayerResult } from '../analysis/layerResult';
import type { SropParams } from '../analysis/srop';
import type { OcclusionResult, RandomisationResult } from '../session/labStore';

/** `# key: value` lines (one per value for arrays), newlines in values flattened. */
export function commentLines(entries: Array<[string, string | number | boolean | null | Array<string | number>]>): string[] {
  return entries.flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `# ${key}: ${String(v ?? '').replace(/\r?\n/g, ' ')}`));
}

export function sropParamsText(params: SropParams): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
}

export function occlusionCsv(result: OcclusionResult, params: SropParams): string {
  return [
    ...commentLines([
      ['experiment', 'occlusion'],
      ['model', result.model],
      ['image', result.image],
      ['patch', result.patch],
      ['stride', result.stride],
      ['fill', result.fill],
      ...(result.partial ? [['partial', `${result.partial.done} of ${result.partial.total} positions (cancelled)`] as [string, string]] : []),
      ['summed_layers', result.summed.join(' ')],
      ['predicted_class', result.predictedClass],
      ['srop_params', sropParamsText(params)],
    ]),
    `x,y,srop_change,probability_drop,${result.layers.map((l) => csvField(`w1:${l}`)).join(',')}`,
    ...result.positions.map((p, i) => [p.x, p.y, result.sropChange[i], result.probabilityDrop[i], ...result.perLayer[i]].map((v) => csvField(v as number | null)).join(',')),
  ].join('\n') + '\n';
}

export function randomisationCsv(result: RandomisationResult, params: SropParams): string {
  return [
    ...commentLines([
      ['experiment', 'randomisation'],
      ['model', result.model],
      ['image', result.image],
      ['mode', result.mode],
      ['weight_layers', result.weightLayers.join(' ')],
      ['not_randomised', result.notRandomised.map((s) => `${s.layer}${s.initializer ? `/${s.initializer}` : ''}: ${s.reason}`)],
      ['srop_params', sropParamsText(params)],
    ]),
    `step,label,randomised,redrawn,${result.layers.map((l) => csvField(`w1:${l}`)).join(',')}`,
    ...result.steps.map((s, i) => [i + 1, csvField(s.label), csvField(s.randomised.join(' ')), csvField(s.redrawn.map((r) => `${r.initializer}:${r.dtype}:${r.family}`).join(' ')), ...s.distance.map((d) => csvField(d))].join(',')),
  ].join('\n') + '\n';
}

/** One layer's SROP distribution: every map's SROP (null where it has none) and its summary. */
function distribution(r: LayerResult) {
  return { layer: r.name, shape: r.shape, srop: Array.from(r.srop, (v) => (Number.isFinite(v) ? v : null)), summary: r.summary };
}

export function randomisationJson(result: RandomisationResult, params: SropParams): Record<string, unknown> {
  return {
    experiment: 'randomisation',
    model: result.model,
    image: result.image,
    mode: result.mode,
    weightLayers: result.weightLayers,
    layers: result.layers,
    notRandomised: result.notRandomised,
    sropParams: params,
    trained: result.trained.map(distribution),
    steps: result.steps.map((s, i) => ({ step: i + 1, label: s.label, randomised: s.randomised, redrawn: s.redrawn, skipped: s.skipped, distance: s.distance, layers: s.results.map(distribution) })),
  };
}
