// Every map's SROP from its ring profile (spec/SROP.md §2 steps 7-9): the parameters act after the FFT, so
// a change of kappa, dc, domain or interpolation is answered from the profiles alone.

import type { RingProfiles } from '../engine/types';

export interface SropParams {
  /** Share of the kept energy inside the roll-off radius, in (0, 1). */
  kappa: number;
  /** keep: the zero-frequency bin counts; remove: the map's mean is taken out first. */
  dc: 'keep' | 'remove';
  /** disc: only bins inside the Nyquist disc; full: every bin. */
  domain: 'disc' | 'full';
  /** Interpolate inside the roll-off ring (true) or report the ring's centre (false). */
  interpolate: boolean;
}

export const DEFAULT_PARAMS: Readonly<SropParams> = Object.freeze({ kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true });

/** A map whose kept energy is at most this share of its whole spectrum's energy has no SROP. */
export const DEAD_RATIO = 1e-9;

export type MapStatus = 'ok' | 'dead' | 'nonfinite';

/** Status codes of the columnar form, in the order of STATUS_NAMES. */
export const STATUS_OK = 0;
export const STATUS_DEAD = 1;
export const STATUS_NONFINITE = 2;
export const STATUS_NAMES: readonly MapStatus[] = ['ok', 'dead', 'nonfinite'];

export interface MapSrop {
  /** Roll-off radius over the Nyquist radius (1.0 = Nyquist); null when the map has no SROP. */
  srop: number | null;
  /** Roll-off ring r*; null when the map has no SROP. */
  ring: number | null;
  /** Kept energy T (null for a non-finite map). */
  energy: number | null;
  status: MapStatus;
}

/** SROPs of a whole layer, one entry per map (map index n * C + c). */
export interface SropColumns {
  maps: number;
  /** NaN where the map has no SROP. */
  srop: Float64Array;
  /** -1 where the map has no SROP. */
  ring: Int32Array;
  /** Kept energy T; NaN for a non-finite map. */
  energy: Float64Array;
  /** STATUS_OK, STATUS_DEAD or STATUS_NONFINITE. */
  status: Uint8Array;
}

/** The page's range for kappa (slider and number field alike): 0.50 to 0.99 in steps of 0.01. */
export const KAPPA_CHOICES = Object.freeze({ min: 0.5, max: 0.99, step: 0.01 });

/**
 * A kappa typed in the page, or why it is refused: only values the slider can show are taken, so
 * that slider and field never disagree.
 */
export function parseKappa(text: string): { kappa: number } | { error: string } {
  const value = Number(text.trim());
  const { min, max, step } = KAPPA_CHOICES;
  const steps = (value - min) / step;
  if (text.trim() === '' || !Number.isFinite(value) || value < min - 1e-12 || value > max + 1e-12 || Math.abs(steps - Math.round(steps)) > 1e-6) {
    return { error: `κ must be a number from ${min.toFixed(2)} to ${max.toFixed(2)} in steps of ${step}, not "${text.trim()}"` };
  }
  // Snap off binary noise ("0.7000000001") so the value is exactly the slider's.
  return { kappa: Number((min + Math.round(steps) * step).toFixed(2)) };
}

/** Throws on parameters spec/SROP.md §1 does not define. */
export function checkParams(params: SropParams): void {
  if (!(params.kappa > 0 && params.kappa < 1)) throw new Error(`kappa must lie strictly between 0 and 1, not ${params.kappa}`);
  if (params.dc !== 'keep' && params.dc !== 'remove') throw new Error(`dc must be keep or remove, not ${String(params.dc)}`);
  if (params.domain !== 'disc' && params.domain !== 'full') throw new Error(`domain must be disc or full, not ${String(params.domain)}`);
}

/** E[r], r < rings, of one map: the energy per ring of the bins `params` keeps (spec/SROP.md §2 step 7). */
export function keptRingEnergy(profiles: RingProfiles, map: number, params: Pick<SropParams, 'dc' | 'domain'>, out?: Float64Array): Float64Array {
  const { rings } = profiles;
  const energy = out && out.length >= rings ? out : new Float64Array(rings);
  const base = map * rings;
  const full = params.domain === 'full';
  for (let r = 0; r < rings; r++) energy[r] = full ? profiles.inDisc[base + r] + profiles.outDisc[base + r] : profiles.inDisc[base + r];
  if (params.dc === 'keep') energy[0] += profiles.dc[map];
  return energy;
}

/**
 * The roll-off of a ring-energy profile E[0..rings) with total T > 0 (spec/SROP.md §2 steps 8-9): the first
 * ring whose cumulative energy reaches kappa T, and s* in ring units (interpolated or the centre).
 */
export function rollOff(energy: Float64Array, rings: number, total: number, kappa: number, interpolate: boolean): { ring: number; radius: number } {
  const target = kappa * total;
  let before = 0;
  let r = 0;
  // The loop always ends on a ring: the cumulative sum reaches `total` (it is that same sum) >= target.
  for (; r < rings - 1; r++) {
    const after = before + energy[r];
    if (after >= target) break;
    before = after;
  }
  if (!interpolate) return { ring: r, radius: r };
  const lo = Math.max(r - 0.5, 0);
  const hi = r + 0.5;
  return { ring: r, radius: lo + ((hi - lo) * (target - before)) / energy[r] };
}

/**
 * Writes map `map`'s SROP into `out` at `at`; `scratch` holds at least `rings` values. The total T is
 * the running sum of E itself, so that the roll-off search always ends inside the profile.
 */
function sropInto(profiles: RingProfiles, map: number, params: SropParams, scratch: Float64Array, out: SropColumns, at: number): void {
  if (profiles.nonFinite[map]) {
    out.srop[at] = NaN;
    out.ring[at] = -1;
    out.energy[at] = NaN;
    out.status[at] = STATUS_NONFINITE;
    return;
  }
  const { rings, height, width } = profiles;
  const energy = keptRingEnergy(profiles, map, params, scratch);
  let total = 0;
  for (let r = 0; r < rings; r++) total += energy[r];
  out.energy[at] = total;
  // The whole spectrum's energy (Parseval), before the DC removal and the disc cut.
  const whole = height * width * profiles.sumSquares[map];
  if (!(total > DEAD_RATIO * whole)) {
    out.srop[at] = NaN;
    out.ring[at] = -1;
    out.status[at] = STATUS_DEAD;
    return;
  }
  const { ring, radius } = rollOff(energy, rings, total, params.kappa, params.interpolate);
  out.srop[at] = radius / (Math.max(height, width) / 2);
  out.ring[at] = ring;
  out.status[at] = STATUS_OK;
}

export function emptyColumns(maps: number): SropColumns {
  return { maps, srop: new Float64Array(maps), ring: new Int32Array(maps), energy: new Float64Array(maps), status: new Uint8Array(maps) };
}

/**
 * Every map's SROP, columnar; pass `out` (from an earlier call of the same size) to recompute in
 * place on a parameter change without allocating.
 */
export function layerSrops(profiles: RingProfiles, params: SropParams, out?: SropColumns): SropColumns {
  checkParams(params);
  const columns = out && out.maps === profiles.maps ? out : emptyColumns(profiles.maps);
  const scratch = new Float64Array(Math.max(profiles.rings, 1));
  for (let m = 0; m < profiles.maps; m++) sropInto(profiles, m, params, scratch, columns, m);
  return columns;
}

/** One map's SROP as an object (the columnar form, one entry). */
export function mapSrop(profiles: RingProfiles, map: number, params: SropParams): MapSrop {
  checkParams(params);
  if (!(Number.isInteger(map) && map >= 0 && map < profiles.maps)) throw new Error(`map ${map} is not one of the ${profiles.maps} maps`);
  const one = emptyColumns(1);
  sropInto(profiles, map, params, new Float64Array(Math.max(profiles.rings, 1)), one, 0);
  return columnEntry(one, 0);
}

/** Entry i of the columnar form as an object (null for NaN / -1). */
export function columnEntry(columns: SropColumns, i: number): MapSrop {
  const status = STATUS_NAMES[columns.status[i]];
  return {
    srop: status === 'ok' ? columns.srop[i] : null,
    ring: status === 'ok' ? columns.ring[i] : null,
    energy: status === 'nonfinite' ? null : columns.energy[i],
    status,
  };
}
