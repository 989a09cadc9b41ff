// One layer in detail, computed without React or the DOM: cumulative ring-energy curves with
// their quartile band and each map's SROP marked on its curve, the channel list of A and B with
// its sorting, the layer and channel the page opens first, and one map's centred log power
// spectrum with the SROP's ellipse. Plain numbers in, plain numbers out.

import type { RingProfiles } from '../engine/types';
import { keptRingEnergy, STATUS_OK, type SropParams } from './srop';
import { quantileSorted, selectedRange } from './summary';
import { channelMeans } from './compare';
import type { LayerResult } from './layerResult';
import { movedMost, selectionOf, type LayerRow } from './layerRows';

/** Cumulative share of the kept energy per ring (0..1) of one map, or null without an SROP. */
export function cumulativeShare(profiles: RingProfiles, map: number, params: SropParams, status: number): Float64Array | null {
  if (status !== STATUS_OK) return null;
  const energy = keptRingEnergy(profiles, map, params);
  let total = 0;
  for (let r = 0; r < profiles.rings; r++) total += energy[r];
  const out = new Float64Array(profiles.rings);
  let running = 0;
  for (let r = 0; r < profiles.rings; r++) {
    running += energy[r];
    out[r] = running / total;
  }
  return out;
}

export interface EnergyBand {
  /**
   * Radii of the curve's points over the Nyquist radius: 0, then the outer edge r + 1/2 of each
   * ring r. spec/SROP.md §2 step 9 lets the cumulative energy rise linearly across ring r's span
   * [max(r - 1/2, 0), r + 1/2], so the straight segments between these points are exactly the
   * curve the interpolated SROP is read from.
   */
  radius: Float64Array;
  /** One more value than rings: the leading 0 at radius 0. */
  q1: Float64Array;
  median: Float64Array;
  q3: Float64Array;
  /** Maps that entered (those with an SROP). */
  maps: number;
}

function curveRadii(rings: number, height: number, width: number): Float64Array {
  const nyquist = Math.max(height, width) / 2;
  return Float64Array.from({ length: rings + 1 }, (_, i) => (i === 0 ? 0 : (i - 0.5) / nyquist));
}

/** One map's cumulative curve as a band of one (null without an SROP). */
export function mapCurve(result: LayerResult, map: number): EnergyBand | null {
  const { profiles } = result;
  if (!profiles) return null;
  const share = cumulativeShare(profiles, map, result.params, result.status[map]);
  if (!share) return null;
  const values = new Float64Array(profiles.rings + 1);
  values.set(share, 1);
  return { radius: curveRadii(profiles.rings, profiles.height, profiles.width), q1: values, median: values, q3: values, maps: 1 };
}

/** The drawn curve's value at radius x (linear between its points; clamped at its ends). */
export function curveValueAt(radius: Float64Array, values: Float64Array, x: number): number {
  if (x <= radius[0]) return values[0];
  for (let i = 1; i < radius.length; i++) {
    if (x <= radius[i]) return values[i - 1] + ((values[i] - values[i - 1]) * (x - radius[i - 1])) / (radius[i] - radius[i - 1]);
  }
  return values[values.length - 1];
}

export interface SropMark {
  /** The SROP (x) and where the drawn curve is there (y): kappa when interpolated. */
  x: number;
  y: number;
  /** The roll-off ring's span over the Nyquist radius, [max(r - 1/2, 0), r + 1/2]. */
  span: [number, number];
  /** The curve at the span's ends: the ring's segment of the curve, which crosses kappa. */
  spanY: [number, number];
  /** False: the SROP is the ring's centre (interpolate off), drawn with the span it stands for. */
  interpolated: boolean;
}

/** Where a map's SROP sits on its curve (mapCurve), or null without an SROP. */
export function sropMark(result: LayerResult, map: number, curve: EnergyBand): SropMark | null {
  if (result.status[map] !== STATUS_OK) return null;
  const [, , height, width] = result.shape;
  const nyquist = Math.max(height, width) / 2;
  const ring = result.ring[map];
  const x = result.srop[map];
  const span: [number, number] = [Math.max(ring - 0.5, 0) / nyquist, (ring + 0.5) / nyquist];
  return {
    x,
    y: curveValueAt(curve.radius, curve.median, x),
    span,
    spanY: [curveValueAt(curve.radius, curve.median, span[0]), curveValueAt(curve.radius, curve.median, span[1])],
    interpolated: result.params.interpolate,
  };
}

/** Median cumulative ring-energy curve of the selected maps, with its interquartile band. */
export function cumulativeBand(result: LayerResult, input: number | null): EnergyBand {
  const { profiles, params } = result;
  if (!profiles) throw new Error(`${result.file}: ${result.name}: no ring profiles (SROPs read from a results file): no energy curve`);
  const rings = profiles.rings;
  const [first, end] = selectedRange(profiles.maps, selectionOf(result, input));
  const curves: Float64Array[] = [];
  for (let m = first; m < end; m++) {
    const curve = cumulativeShare(profiles, m, params, result.status[m]);
    if (curve) curves.push(curve);
  }
  const band: EnergyBand = {
    radius: curveRadii(rings, profiles.height, profiles.width),
    q1: new Float64Array(rings + 1),
    median: new Float64Array(rings + 1),
    q3: new Float64Array(rings + 1),
    maps: curves.length,
  };
  if (curves.length === 0) {
    band.q1.fill(NaN);
    band.median.fill(NaN);
    band.q3.fill(NaN);
  }
  const column = new Float64Array(curves.length);
  for (let r = 0; r < rings; r++) {
    for (let i = 0; i < curves.length; i++) column[i] = curves[i][r];
    column.sort();
    band.q1[r + 1] = quantileSorted(column, 0.25) ?? NaN;
    band.median[r + 1] = quantileSorted(column, 0.5) ?? NaN;
    band.q3[r + 1] = quantileSorted(column, 0.75) ?? NaN;
  }
  return band;
}

export interface ChannelRow {
  channel: number;
  a: number | null;
  b: number | null;
  /** b - a where both have an SROP. */
  change: number | null;
  /** Why a side has no value: its maps (the one shown, or every one of the batch) are dead or non-finite. */
  noneA?: 'dead' | 'nonfinite';
  noneB?: 'dead' | 'nonfinite';
}

/** Why a channel has no SROP on a side: nonfinite when any of its maps is, else dead. */
function channelNone(result: LayerResult, input: number | null, channel: number): 'dead' | 'nonfinite' {
  const [n, c] = result.shape;
  const items = input === null ? Array.from({ length: n }, (_, i) => i) : [Math.min(input, n - 1)];
  return items.some((i) => result.status[i * c + channel] === 2) ? 'nonfinite' : 'dead';
}

/** The hover text of a channel without an SROP. */
export function channelNoneReason(none: 'dead' | 'nonfinite', pooled: boolean): string {
  if (none === 'dead') {
    const who = pooled ? 'none of its maps in the batch has' : 'its map has no';
    return `dead: ${who}${pooled ? ' any' : ''} spectral energy to roll off (constant or all zero; with DC removed, a constant map has none)`;
  }
  return `non-finite: ${pooled ? 'no map of the batch has an' : 'its map has no'} SROP; a map holds NaN or infinity`;
}

/** Per channel: the selected input's SROP, or the batch mean when pooled (NaN-free: null). */
function channelValues(result: LayerResult, input: number | null): Float64Array {
  const [n, c] = result.shape;
  if (input !== null) {
    const i = Math.min(input, n - 1);
    return result.srop.subarray(i * c, (i + 1) * c);
  }
  return channelMeans({ inputs: n, channels: c, srop: result.srop });
}

/**
 * What a side's column of the channel table holds, for its heading: the batch means when the pane
 * pools the batch and the layer holds more than one input, the input shown when one is picked
 * from several; null for a layer of one input (its values are that input's, nothing averaged).
 */
export function channelValuesNote(side: 'A' | 'B', result: Pick<LayerResult, 'shape'> | null, input: number | null): string | null {
  const n = result?.shape[0] ?? 0;
  if (n <= 1) return null;
  return input === null ? `${side}: batch means of ${n} inputs` : `${side}: input ${Math.min(input, n - 1)} of ${n}`;
}

export type ChannelKey = 'channel' | 'a' | 'b' | 'change';

/**
 * Where the layer and channel views open: the layer that moved most (largest Wasserstein distance;
 * the first layer when none has a comparison) and, in it, the channel whose SROP changed most (the
 * first channel with an SROP when none changed).
 */
export function defaultFocus(rows: LayerRow[], inputA: number | null, inputB: number | null): { layer: string; channel: number } | null {
  if (rows.length === 0) return null;
  const scored = rows.filter((r) => r.comparison?.wasserstein != null);
  const row = scored.length ? scored.reduce((best, r) => (r.comparison!.wasserstein! > best.comparison!.wasserstein! ? r : best)) : rows[0];
  const channels = channelRows(row.a?.result ?? null, row.b?.result ?? null, inputA, inputB);
  const changed = channels.filter((c) => c.change !== null);
  const channel = changed.length
    ? changed.reduce((best, c) => (Math.abs(c.change!) > Math.abs(best.change!) ? c : best)).channel
    : (channels.find((c) => c.a !== null || c.b !== null)?.channel ?? 0);
  return { layer: row.name, channel };
}

export function channelRows(a: LayerResult | null, b: LayerResult | null, inputA: number | null, inputB: number | null): ChannelRow[] {
  const va = a ? channelValues(a, inputA) : null;
  const vb = b ? channelValues(b, inputB) : null;
  const channels = Math.max(va?.length ?? 0, vb?.length ?? 0);
  const rows: ChannelRow[] = [];
  const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);
  for (let c = 0; c < channels; c++) {
    const x = num(va?.[c]);
    const y = num(vb?.[c]);
    rows.push({
      channel: c, a: x, b: y, change: x !== null && y !== null ? y - x : null,
      ...(a && va && c < va.length && x === null ? { noneA: channelNone(a, inputA, c) } : {}),
      ...(b && vb && c < vb.length && y === null ? { noneB: channelNone(b, inputB, c) } : {}),
    });
  }
  return rows;
}

/** Channel rows sorted by a column; `change` by its size (the largest change first when descending). */
export function sortChannels(rows: ChannelRow[], key: ChannelKey, descending: boolean): ChannelRow[] {
  const value = (r: ChannelRow) => (key === 'change' ? (r.change === null ? null : Math.abs(r.change)) : r[key]);
  return [...rows].sort((x, y) => {
    const vx = value(x), vy = value(y);
    if (vx === null && vy === null) return x.channel - y.channel;
    if (vx === null) return 1;
    if (vy === null) return -1;
    return (descending ? vy - vx : vx - vy) || x.channel - y.channel;
  });
}

export interface CentredSpectrum {
  height: number;
  width: number;
  /** log10 of the power, zero frequency at (floor(H/2), floor(W/2)) (numpy.fft.fftshift), row-major. */
  logPower: Float64Array;
  min: number;
  max: number;
}

/** The centred log power spectrum from a map's power spectrum (natural order, H x W, from the engine), without its DC bin when `dc` is remove. */
export function centredLogPower(power: ArrayLike<number>, height: number, width: number, dc: SropParams['dc'] = 'keep'): CentredSpectrum {
  const logPower = new Float64Array(height * width);
  let min = Infinity, max = -Infinity;
  const floorValue = 1e-30;
  for (let ky = 0; ky < height; ky++) {
    for (let kx = 0; kx < width; kx++) {
      // dc = remove: the map's mean is subtracted first, which empties the zero-frequency bin alone.
      const p = dc === 'remove' && ky === 0 && kx === 0 ? 0 : power[ky * width + kx];
      const v = Math.log10(Math.max(p, floorValue));
      const sy = (ky + Math.floor(height / 2)) % height;
      const sx = (kx + Math.floor(width / 2)) % width;
      logPower[sy * width + sx] = v;
      if (p > 0) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (min > max) min = max = Math.log10(floorValue);
  return { height, width, logPower, min, max };
}

/**
 * The SROP as an ellipse on the centred spectrum, in bins: radius s in ring units is ky = s H / M,
 * kx = s W / M, so an SROP of q (q M / 2 ring units) has semi-axes q H / 2 and q W / 2.
 */
export function sropEllipse(srop: number, height: number, width: number): { ry: number; rx: number } {
  return { ry: (srop * height) / 2, rx: (srop * width) / 2 };
}
