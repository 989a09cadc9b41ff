// The architecture view's exports: CSV (one row per model and aligned position, then one per model
// for its SROP summary; the correlations as leading `# key: value` lines) and JSON (the aligned
// numbers, every layer's quartiles and SROPs, the correlations).
import type { ArchitectureSummary, Correlation } from '../analysis/architecture';
import { csvField } from '../analysis/format';
import type { SropParams } from '../analysis/srop';
import type { ArchitectureResult } from '../session/architectureLab';
import { commentLines, sropParamsText } from './labExports';

const correlationText = (c: Correlation) => `n=${c.n} spearman=${c.spearman ?? ''} pearson=${c.pearson ?? ''}`;

export function architectureCsv(result: ArchitectureResult, summary: ArchitectureSummary, params: SropParams): string {
  const rows: string[] = [];
  summary.models.forEach((m, i) => {
    const meta = result.models[i];
    summary.positions.forEach((pos, p) => {
      const c = m.cells[p];
      rows.push([csvField(m.label), csvField(m.file), csvField(meta.structure ?? ''), csvField(meta.step), csvField(m.accuracy), csvField(pos.label), csvField(c ? c.layers.join(' ') : ''), csvField(c?.count ?? 0), csvField(c?.median ?? null), csvField(c?.q1 ?? null), csvField(c?.q3 ?? null)].join(','));
    });
  });
  summary.models.forEach((m, i) => {
    const meta = result.models[i];
    rows.push([csvField(m.label), csvField(m.file), csvField(meta.structure ?? ''), csvField(meta.step), csvField(m.accuracy), 'summary', csvField(m.layers.map((l) => l.name).join(' ')), csvField(m.layers.reduce((n, l) => n + l.count, 0)), csvField(m.summary), '', ''].join(','));
  });
  return [
    ...commentLines([
      ['experiment', 'architecture'],
      ['image', result.image],
      ['alignment', summary.alignment === 'depth' ? 'relative depth' : 'resolution stage'],
      ['models', result.models.map((m) => m.file)],
      ['summary', 'mean over the feature layers of each layer median SROP'],
      ['correlation_summary', correlationText(summary.overall)],
      ...summary.positions.map((pos, p) => ['correlation', `${pos.label}: ${correlationText(summary.perPosition[p])}`] as [string, string]),
      ['srop_params', sropParamsText(params)],
    ]),
    'model,file,structure,step,accuracy,position,layers,maps,median,q1,q3',
    ...rows,
  ].join('\n') + '\n';
}

export function architectureJson(result: ArchitectureResult, summary: ArchitectureSummary): Record<string, unknown> {
  return {
    experiment: 'architecture',
    image: result.image,
    alignment: summary.alignment,
    positions: summary.positions,
    models: summary.models.map((m, i) => ({
      ...m,
      structure: result.models[i].structure,
      step: result.models[i].step,
      input: result.models[i].preprocessing,
      layers: m.layers.map((l, k) => ({ ...l, srops: Array.from(result.models[i].layers[k].srops) })),
    })),
    perPosition: summary.perPosition,
    overall: summary.overall,
    notes: result.notes,
  };
}
