// The lab's architecture check (plain numbers): several models, each with its own feature layers,
// aligned by relative depth (layer index over the number of feature layers) or by resolution stage
// (how many times the input was halved), each model's SROP median and interquartile band per aligned
// position, and the correlation across models between their SROP summary and their accuracy.

import { quantileSorted } from './summary';
import { pearson, spearman } from './lab';

/** One feature layer of one model: its spatial size and the SROP of each of its maps (NaN left out). */
export interface ArchitectureLayer {
  name: string;
  height: number;
  width: number;
  srops: Float64Array;
}

export interface ArchitectureModel {
  /** What the view calls it (the structure's name for the demo's, the file name otherwise). */
  label: string;
  file: string;
  accuracy: number | null;
  inputHeight: number;
  inputWidth: number;
  layers: ArchitectureLayer[];
}

export type Alignment = 'depth' | 'stage';

export interface Quartiles {
  q1: number | null;
  median: number | null;
  q3: number | null;
}

/** A feature layer's own numbers: where it sits in its model and its SROP quartiles. */
export interface LayerStats extends Quartiles {
  name: string;
  /** Layer index (1-based) over the number of feature layers: in (0, 1]. */
  depth: number;
  /** Resolution stage: round(log2(input height / map height)); 0 is full resolution. */
  stage: number;
  height: number;
  width: number;
  count: number;
}

export interface AlignedPosition {
  key: string;
  label: string;
}

/** One model at one aligned position: the SROPs of its layers there, pooled. */
export interface AlignedCell extends Quartiles {
  layers: string[];
  count: number;
}

export interface Correlation {
  /** Models with an accuracy and a value here. */
  n: number;
  pearson: number | null;
  spearman: number | null;
}

export interface ArchitectureSummary {
  alignment: Alignment;
  positions: AlignedPosition[];
  models: Array<{
    label: string;
    file: string;
    accuracy: number | null;
    layers: LayerStats[];
    /** Per aligned position; null where the model has no layer there (a model that never downsamples has no 1/4 stage). */
    cells: Array<AlignedCell | null>;
    /** The model's SROP summary: the mean over its feature layers of each layer's median SROP. */
    summary: number | null;
  }>;
  /** Per aligned position: correlation across models of the cell median with the accuracy. */
  perPosition: Correlation[];
  /** Correlation across models of the SROP summary with the accuracy. */
  overall: Correlation;
}

/** Fewer models than this with an accuracy give no correlation. */
export const MIN_MODELS_FOR_CORRELATION = 3;

function quartiles(values: ArrayLike<number>): Quartiles {
  const sorted = Float64Array.from(values).filter((v) => !Number.isNaN(v)).sort();
  return { q1: quantileSorted(sorted, 0.25), median: quantileSorted(sorted, 0.5), q3: quantileSorted(sorted, 0.75) };
}

export function stageOf(inputHeight: number, height: number): number {
  return Math.max(0, Math.round(Math.log2(inputHeight / height)));
}

export function layerStats(model: ArchitectureModel): LayerStats[] {
  const n = model.layers.length;
  return model.layers.map((l, i) => ({
    name: l.name,
    depth: (i + 1) / n,
    stage: stageOf(model.inputHeight, l.height),
    height: l.height,
    width: l.width,
    count: l.srops.filter((v) => !Number.isNaN(v)).length,
    ...quartiles(l.srops),
  }));
}

/**
 * Depth bins: as many as the shallowest model has feature layers, so each of its layers has a bin
 * of its own; layer k of n goes to bin ceil(k * bins / n) (deeper models pool neighbours).
 */
export function depthBin(k: number, n: number, bins: number): number {
  return Math.max(1, Math.ceil((k * bins) / n - 1e-9));
}

function correlation(values: Array<number | null>, accuracies: Array<number | null>): Correlation {
  const pairs = values.map((v, i) => [v, accuracies[i]] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  if (pairs.length < MIN_MODELS_FOR_CORRELATION) return { n: pairs.length, pearson: null, spearman: null };
  const a = pairs.map((p) => p[0]), b = pairs.map((p) => p[1]);
  return { n: pairs.length, pearson: pearson(a, b), spearman: spearman(a, b) };
}

export function alignModels(models: ArchitectureModel[], alignment: Alignment): ArchitectureSummary {
  const stats = models.map(layerStats);
  let positions: AlignedPosition[];
  let positionOf: (model: number, layer: number) => number;
  if (alignment === 'depth') {
    const bins = Math.max(1, Math.min(...models.map((m) => m.layers.length).filter((n) => n > 0)));
    positions = Array.from({ length: bins }, (_, b) => ({ key: `depth-${b + 1}`, label: bins === 1 ? 'depth 0-1' : `depth ${fraction(b, bins)}-${fraction(b + 1, bins)}` }));
    positionOf = (m, l) => depthBin(l + 1, models[m].layers.length, bins) - 1;
  } else {
    const stages = [...new Set(stats.flatMap((s) => s.map((l) => l.stage)))].sort((a, b) => a - b);
    positions = stages.map((s) => {
      const sizes = [...new Set(stats.flatMap((st) => st.filter((l) => l.stage === s).map((l) => `${l.height}x${l.width}`)))];
      return { key: `stage-${s}`, label: `1/${2 ** s} (${sizes.join(', ')})` };
    });
    positionOf = (m, l) => stages.indexOf(stats[m][l].stage);
  }
  const summaries = models.map((model, m) => {
    const cells: Array<AlignedCell | null> = positions.map((_, p) => {
      const here = model.layers.filter((_, l) => positionOf(m, l) === p);
      if (here.length === 0) return null;
      const pooled = new Float64Array(here.reduce((n, l) => n + l.srops.length, 0));
      let offset = 0;
      for (const l of here) {
        pooled.set(l.srops, offset);
        offset += l.srops.length;
      }
      return { layers: here.map((l) => l.name), count: pooled.filter((v) => !Number.isNaN(v)).length, ...quartiles(pooled) };
    });
    const medians = stats[m].map((l) => l.median).filter((v): v is number => v !== null);
    return {
      label: model.label,
      file: model.file,
      accuracy: model.accuracy,
      layers: stats[m],
      cells,
      summary: medians.length ? medians.reduce((a, b) => a + b, 0) / medians.length : null,
    };
  });
  const accuracies = summaries.map((s) => s.accuracy);
  return {
    alignment,
    positions,
    models: summaries,
    perPosition: positions.map((_, p) => correlation(summaries.map((s) => s.cells[p]?.median ?? null), accuracies)),
    overall: correlation(summaries.map((s) => s.summary), accuracies),
  };
}

function fraction(k: number, n: number): string {
  if (k === 0) return '0';
  if (k === n) return '1';
  return `${k}/${n}`;
}
