// One layer's analysis: its maps' SROPs (columnar) and pooled summary under one parameter set, kept
// with the profiles so that a parameter change is answered without another FFT (recomputeLayer).

import type { Layer, Layout } from '../io/types';
import type { RingProfiles } from '../engine/types';
import { layerSrops, type SropColumns, type SropParams } from './srop';
import { layerSummary, type DistributionSummary } from './summary';

/** SROP, ring, energy and status of every map (map index n * C + c), with the layer's facts. */
export interface LayerResult extends SropColumns {
  name: string;
  /** The full tensor name where the page shows a shorter one (a live feature map's module path). */
  tensor?: string;
  file: string;
  /** [N, C, H, W]. */
  shape: [number, number, number, number];
  layout: Layout;
  params: SropParams;
  /**
   * The ring profiles the SROPs came from; null for a result read back from a results JSON
   * (resultsJson.ts), which holds SROPs only: it cannot be recomputed under other parameters and
   * has no energy curves.
   */
  profiles: RingProfiles | null;
  /** Each input's name (its file), where the layer knows it; index = input. */
  inputNames?: readonly string[];
  /** Pooled over the batch; layerSummary(result, { channels: C, input }) gives one input's. */
  summary: DistributionSummary;
}

export type LayerFacts = Pick<Layer, 'name' | 'file' | 'shape' | 'inputNames' | 'tensor'> & { layout?: Layout };

export function layerResult(layer: LayerFacts, profiles: RingProfiles, params: SropParams): LayerResult {
  const [n, c, h, w] = layer.shape;
  if (profiles.maps !== n * c || profiles.height !== h || profiles.width !== w) {
    throw new Error(`${layer.file}: ${layer.name}: profiles of ${profiles.maps} maps of ${profiles.height} x ${profiles.width} do not match shape ${layer.shape.join('x')}`);
  }
  const srops = layerSrops(profiles, params);
  return {
    ...srops,
    name: layer.name,
    ...(layer.tensor && layer.tensor !== layer.name ? { tensor: layer.tensor } : {}),
    file: layer.file,
    shape: [n, c, h, w],
    layout: layer.layout ?? 'nchw',
    params: { ...params },
    ...(layer.inputNames ? { inputNames: [...layer.inputNames] } : {}),
    profiles,
    summary: layerSummary(srops),
  };
}

/** The same layer under other parameters, from its profiles (no FFT); a result without profiles cannot be. */
export function recomputeLayer(result: LayerResult, params: SropParams): LayerResult {
  if (!result.profiles) throw new Error(`${result.file}: ${result.name}: no ring profiles (SROPs read from a results file): it cannot be recomputed under other parameters`);
  return layerResult(result, result.profiles, params);
}
