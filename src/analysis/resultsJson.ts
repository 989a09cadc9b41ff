// A results JSON read back as layer results, for the page's "Open results": the JSON of `srop`,
// `srop run` and `srop merge` (per layer its shape, layout and every map's SROP, ring and status;
// the kept energy where the file has it). The results hold no ring profiles (profiles: null): they
// are shown at the parameters they were computed with, and have no energy curves and no maps.

import { checkParams, STATUS_NAMES, type SropColumns, type SropParams } from './srop';
import { layerSummary } from './summary';
import type { LayerResult } from './layerResult';

export interface OpenedResults {
  params: SropParams;
  results: LayerResult[];
  /** What produced it, in a few words ("srop run: 12 images, demo.onnx"). */
  origin: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a results JSON; throws an Error whose message names the file and the reason. The page's
 * own JSON export holds A and B: `side` picks one (the other when that one is empty).
 */
export function parseResultsJson(text: string, fileName: string, side: 'A' | 'B' = 'A'): OpenedResults {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName}: not JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) throw new Error(`${fileName}: not a results JSON (not an object)`);
  let pageSide: 'A' | 'B' | null = null;
  if ('shown' in json && Array.isArray(json.A) && Array.isArray(json.B)) {
    // The page's "Export JSON": per side, its layers (named as the page shows them).
    pageSide = (json[side] as unknown[]).length ? side : side === 'A' ? 'B' : 'A';
    const layers = (json[pageSide] as unknown[]).map((l) => (isObject(l) && typeof l.layer === 'string' ? { ...l, name: l.layer } : l));
    if (layers.some((l) => isObject(l) && !Array.isArray(l.srop))) {
      throw new Error(`${fileName}: a summary export of an earlier version of the page: it holds each layer's summary, not every map's SROP; export it again, or open the JSON of srop, srop run or srop merge`);
    }
    json = { params: json.params, layers };
  }
  if (!isObject(json)) throw new Error(`${fileName}: not a results JSON (not an object)`);
  if (!isObject(json.params) || !Array.isArray(json.layers)) throw new Error(`${fileName}: not a results JSON of srop, srop run or srop merge (no "params" and "layers")`);
  const p = json.params;
  const params: SropParams = { kappa: Number(p.kappa), dc: p.dc as SropParams['dc'], domain: p.domain as SropParams['domain'], interpolate: p.interpolate !== false };
  try {
    checkParams(params);
  } catch (error) {
    throw new Error(`${fileName}: params: ${(error as Error).message}`);
  }
  const results = json.layers.map((entry: unknown, k: number): LayerResult => {
    if (!isObject(entry) || typeof entry.name !== 'string') throw new Error(`${fileName}: layer ${k} has no name`);
    const where = `${fileName}: layer ${entry.name}`;
    if (!Array.isArray(entry.srop) || !Array.isArray(entry.status)) {
      throw new Error(`${where}: no per-map "srop" and "status" (a comparison JSON of srop compare cannot be opened as results)`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0) || shape.slice(1).some((d) => d === 0)) {
      throw new Error(`${where}: shape ${JSON.stringify(shape)} is not [N, C, H, W]`);
    }
    const [n, c, h, w] = shape as [number, number, number, number];
    const rows = { srop: entry.srop, ring: entry.ring ?? entry.srop, status: entry.status, energy: entry.energy ?? null } as Record<string, unknown>;
    for (const [key, value] of Object.entries(rows)) {
      if (value === null) continue;
      if (!Array.isArray(value) || value.length !== n || !value.every((row) => Array.isArray(row) && row.length === c)) {
        throw new Error(`${where}: "${key}" is not ${n} rows of ${c} values (its shape ${shape.join('x')})`);
      }
    }
    const maps = n * c;
    const columns: SropColumns = { maps, srop: new Float64Array(maps), ring: new Int32Array(maps), energy: new Float64Array(maps).fill(NaN), status: new Uint8Array(maps) };
    const srop = entry.srop as unknown[][], ring = (entry.ring ?? null) as unknown[][] | null, status = entry.status as unknown[][], energy = (entry.energy ?? null) as unknown[][] | null;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const m = i * c + ch;
        const code = STATUS_NAMES.indexOf(status[i][ch] as (typeof STATUS_NAMES)[number]);
        if (code < 0) throw new Error(`${where}: input ${i} channel ${ch}: status ${JSON.stringify(status[i][ch])} is not one of ${STATUS_NAMES.join(', ')}`);
        const value = srop[i][ch];
        if (code === 0 && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) throw new Error(`${where}: input ${i} channel ${ch}: status ok but SROP ${JSON.stringify(value)}`);
        columns.status[m] = code;
        columns.srop[m] = code === 0 ? (value as number) : NaN;
        const r = ring?.[i][ch];
        columns.ring[m] = code === 0 && typeof r === 'number' ? r : -1;
        const e = energy?.[i][ch];
        if (typeof e === 'number') columns.energy[m] = e;
      }
    }
    const layout = entry.layout === 'nhwc' ? 'nhwc' : 'nchw';
    return { ...columns, name: entry.name, file: fileName, shape: [n, c, h, w], layout, params: { ...params }, profiles: null, summary: layerSummary(columns) };
  });
  if (results.length === 0) throw new Error(`${fileName}: no layers in it`);
  const run = isObject(json.run) ? json.run : null;
  const images = Array.isArray(json.images) ? json.images.length : null;
  const origin = pageSide ? `the page's JSON export, side ${pageSide}` : run && isObject(run.model) ? `srop run: ${images ?? '?'} images, ${String(run.model.file)}` : 'srop';
  return { params, results, origin };
}
