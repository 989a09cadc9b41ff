// Helpers on RingProfiles shared by the engines: allocation, and the float64 per-map moments (DC
// energy, sum of squares, non-finite flag) that spec/SROP.md §2 steps 1 and 7 take from the values directly.

import type { RingProfiles } from './types';

/** Zeroed profiles for `maps` maps of H x W with `rings` ring slots each. */
export function emptyProfiles(height: number, width: number, maps: number, rings: number): RingProfiles {
  return {
    height,
    width,
    maps,
    rings,
    inDisc: new Float64Array(maps * rings),
    outDisc: new Float64Array(maps * rings),
    dc: new Float64Array(maps),
    sumSquares: new Float64Array(maps),
    nonFinite: new Uint8Array(maps),
  };
}

/**
 * Sum and sum of squares of one map's values, in float64, with four running sums each (no single
 * long dependency chain). A float32 map's sum cannot overflow a double (2^128 x 2^31 values stays
 * below 2^160), so the sum is non-finite exactly when some value is NaN or infinite.
 */
export function mapMoments(data: Float32Array, offset: number, size: number, out: Float64Array): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  const end = offset + size;
  let i = offset;
  for (; i + 3 < end; i += 4) {
    const a = data[i], b = data[i + 1], c = data[i + 2], d = data[i + 3];
    s0 += a;
    s1 += b;
    s2 += c;
    s3 += d;
    q0 += a * a;
    q1 += b * b;
    q2 += c * c;
    q3 += d * d;
  }
  for (; i < end; i++) {
    const a = data[i];
    s0 += a;
    q0 += a * a;
  }
  out[0] = s0 + s1 + (s2 + s3);
  out[1] = q0 + q1 + (q2 + q3);
}

const momentScratch = new Float64Array(2);

/**
 * Fills dc (|sum|^2), sumSquares and nonFinite of maps [first, first + count) of `profiles` from
 * `count` maps of `size` values at the start of `data`. Returns the maps' sums (for mean removal).
 */
export function fillMapMoments(data: Float32Array, count: number, size: number, profiles: RingProfiles, first: number, sums?: Float64Array): Float64Array {
  const out = sums && sums.length >= count ? sums : new Float64Array(count);
  const moments = momentScratch;
  for (let m = 0; m < count; m++) {
    mapMoments(data, m * size, size, moments);
    const sum = moments[0];
    const sumSquares = moments[1];
    out[m] = sum;
    profiles.dc[first + m] = sum * sum;
    profiles.sumSquares[first + m] = sumSquares;
    profiles.nonFinite[first + m] = Number.isFinite(sum) ? 0 : 1;
  }
  return out;
}

/** Throws unless a profile call's map count is a non-negative and height and width positive integers. */
export function checkProfileShape(count: number, height: number, width: number): void {
  for (const [what, value] of [['map count', count], ['height', height], ['width', width]] as const) {
    if (!Number.isInteger(value) || value < (what === 'map count' ? 0 : 1)) {
      throw new Error(`profile: ${what} ${value} is not a ${what === 'map count' ? 'non-negative' : 'positive'} integer`);
    }
  }
}

/** Copies `source`'s maps into `target` from map `first` on (the same H x W and ring count). */
export function copyProfilesInto(target: RingProfiles, source: RingProfiles, first: number): void {
  if (source.height !== target.height || source.width !== target.width || source.rings !== target.rings) {
    throw new Error(`profiles of ${source.height} x ${source.width} (${source.rings} rings) cannot join profiles of ${target.height} x ${target.width} (${target.rings} rings)`);
  }
  if (first + source.maps > target.maps) throw new Error(`maps ${first} to ${first + source.maps} do not fit in ${target.maps} maps`);
  const r = target.rings;
  target.inDisc.set(source.inDisc.subarray(0, source.maps * r), first * r);
  target.outDisc.set(source.outDisc.subarray(0, source.maps * r), first * r);
  target.dc.set(source.dc.subarray(0, source.maps), first);
  target.sumSquares.set(source.sumSquares.subarray(0, source.maps), first);
  target.nonFinite.set(source.nonFinite.subarray(0, source.maps), first);
}
