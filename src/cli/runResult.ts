// The JSON of `srop run` (whole or one shard) and of `srop merge`: one builder for both, so that
// the merge of a run's shards is byte for byte the JSON of the run done whole.
//
// What a result holds, per image, layer and channel: SROP, roll-off ring, kept energy T and status
// (and per layer the pooled summary). It does not hold the ring profiles: a merged (or any) result
// cannot recompute SROPs for another kappa, dc, domain or interpolation; run the command again
// with those parameters (the profiles are maps x rings numbers per layer, about the size of the
// feature maps themselves at the first layers, too much for a result of 50,000 images).

import { layerJson } from '../analysis/format';
import { STATUS_NAMES, type SropColumns, type SropParams } from '../analysis/srop';
import { layerSummary, type DistributionSummary } from '../analysis/summary';
import type { Layout } from '../io/types';
import type { Preprocessing } from '../model/preprocess';

/** What makes two results parts of one run: the same model, parameters, choice and input list. */
export interface RunIdentity {
  model: { file: string; sha256: string };
  preprocessing: Preprocessing;
  /** The feature maps measured, in network order. */
  layers: string[];
  /** Every image of the run (all shards), sorted: `input` is an index into it. */
  inputs: string[];
}

export interface RunLayerJson {
  name: string;
  file: string;
  shape: [number, number, number, number];
  layout: Layout;
  srop: Array<Array<number | null>>;
  ring: Array<Array<number | null>>;
  status: string[][];
  summary: DistributionSummary;
  energy: Array<Array<number | null>>;
}

export interface RunJson {
  params: SropParams;
  backend: string;
  adapter: string | null;
  run: RunIdentity;
  /** Present in a partial result: shard `index` (0-based) of `count`. */
  shard?: { index: number; count: number };
  /** The images measured, in order: row i of every layer's srop is images[i]. */
  images: Array<{ input: number; path: string }>;
  /** Images of this result that could not be measured, with the reason. */
  failed: Array<{ input: number; path: string; reason: string }>;
  layers: RunLayerJson[];
}

/** The images [first, end) of the sorted list that shard `index` of `count` takes (contiguous, sizes differ by at most one). */
export function shardRange(total: number, index: number, count: number): [number, number] {
  return [Math.floor((index * total) / count), Math.floor(((index + 1) * total) / count)];
}

export interface LayerFactsJson {
  name: string;
  file: string;
  /** [N, C, H, W]; N the images measured. */
  shape: [number, number, number, number];
  layout: Layout;
}

/** A layer's entry from its per-map columns (map index n * C + c). */
export function runLayerJson(facts: LayerFactsJson, columns: SropColumns, params: SropParams): RunLayerJson {
  const [n, c] = facts.shape;
  const base = layerJson({ ...columns, ...facts, params, summary: layerSummary(columns) });
  const energy = Array.from({ length: n }, (_, i) => Array.from({ length: c }, (_, ch) => {
    const e = columns.energy[i * c + ch];
    return Number.isNaN(e) ? null : e;
  }));
  return { ...base, energy };
}

/** The per-map columns of a layer entry (the inverse of runLayerJson). */
export function columnsOf(layer: RunLayerJson, where: string): SropColumns {
  const [n, c] = layer.shape;
  const maps = n * c;
  const srop = new Float64Array(maps), energy = new Float64Array(maps);
  const ring = new Int32Array(maps), status = new Uint8Array(maps);
  const rows = [layer.srop, layer.ring, layer.status, layer.energy];
  if (!rows.every((r) => Array.isArray(r) && r.length === n && r.every((row) => Array.isArray(row) && row.length === c))) {
    throw new Error(`${where}: layer ${layer.name}: srop, ring, status and energy must each be ${n} rows of ${c} values (its shape ${layer.shape.join('x')})`);
  }
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const m = i * c + ch;
      const code = STATUS_NAMES.indexOf(layer.status[i][ch] as (typeof STATUS_NAMES)[number]);
      if (code < 0) throw new Error(`${where}: layer ${layer.name}: status "${layer.status[i][ch]}" is not one of ${STATUS_NAMES.join(', ')}`);
      status[m] = code;
      srop[m] = layer.srop[i][ch] ?? NaN;
      ring[m] = layer.ring[i][ch] ?? -1;
      energy[m] = layer.energy[i][ch] ?? NaN;
    }
  }
  return { maps, srop, ring, energy, status };
}

/** Columns of several layers' maps, one after the other (inputs appended). */
export function concatColumns(parts: readonly SropColumns[]): SropColumns {
  const maps = parts.reduce((a, p) => a + p.maps, 0);
  const out: SropColumns = { maps, srop: new Float64Array(maps), ring: new Int32Array(maps), energy: new Float64Array(maps), status: new Uint8Array(maps) };
  let at = 0;
  for (const p of parts) {
    out.srop.set(p.srop.subarray(0, p.maps), at);
    out.ring.set(p.ring.subarray(0, p.maps), at);
    out.energy.set(p.energy.subarray(0, p.maps), at);
    out.status.set(p.status.subarray(0, p.maps), at);
    at += p.maps;
  }
  return out;
}

/** The result object, its keys in one order whoever builds it. */
export function runJson(parts: RunJson): RunJson {
  const { params, backend, adapter, run, shard, images, failed, layers } = parts;
  return { params, backend, adapter, run, ...(shard ? { shard } : {}), images, failed, layers };
}
