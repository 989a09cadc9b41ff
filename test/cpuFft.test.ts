// The float64 FFT against a naive O(N^2) DFT (long double-free, but summed with exact twiddle
// angles), for every length 1..64 and larger smooth, prime and Bluestein lengths.
import { describe, expect, it } from 'vitest';
import { fft, fftLines, fftPlan, ifft, GENERIC_RADIX_LIMIT } from '../src/engine/fft64';
import { seededRandom } from '../src/testing/syntheticMaps';

/** Deterministic pseudo-random values in [-1, 1). */
function random(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

/** X_k = sum_j x_j exp(-2 pi i jk / n), angle reduced exactly (jk mod n) and summed with Kahan-Babuska. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0, cr = 0, si = 0, ci = 0;
    for (let j = 0; j < n; j++) {
      const t = Number((BigInt(j) * BigInt(k)) % BigInt(n));
      const a = (-2 * Math.PI * t) / n;
      const c = Math.cos(a), s = Math.sin(a);
      const vr = re[j] * c - im[j] * s;
      const vi = re[j] * s + im[j] * c;
      let x = sr + vr;
      cr += Math.abs(sr) >= Math.abs(vr) ? sr - x + vr : vr - x + sr;
      sr = x;
      x = si + vi;
      ci += Math.abs(si) >= Math.abs(vi) ? si - x + vi : vi - x + si;
      si = x;
    }
    outRe[k] = sr + cr;
    outIm[k] = si + ci;
  }
  return [outRe, outIm];
}

/** max |a - b| over the spectrum, relative to the spectrum's root-mean-square magnitude. */
function relativeError(aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array): number {
  let err = 0, norm = 0;
  for (let i = 0; i < aRe.length; i++) {
    err = Math.max(err, Math.hypot(aRe[i] - bRe[i], aIm[i] - bIm[i]));
    norm += bRe[i] * bRe[i] + bIm[i] * bIm[i];
  }
  return err / Math.sqrt(norm / aRe.length);
}

function signal(n: number, seed: number): [Float64Array, Float64Array] {
  const next = random(seed);
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = next();
    im[i] = next();
  }
  return [re, im];
}

// Stated tolerance: max error per bin <= 1e-13 x the rms bin magnitude (float64 FFTs reach ~1e-15).
const TOLERANCE = 1e-13;

describe('fft64 vs a naive DFT', () => {
  const lengths = [...Array.from({ length: 64 }, (_, i) => i + 1), 97, 224, 251, 1000, 1021, 1024, 2 * 127, 3 * 5 * 7 * 11, 29 * 31, 37, 67 * 2];
  for (const n of lengths) {
    it(`length ${n} (${fftPlan(n).kind}, radices ${fftPlan(n).radices.join('x') || 'none'})`, () => {
      const [re, im] = signal(n, n);
      const [wantRe, wantIm] = naiveDft(re, im);
      const gotRe = re.slice(), gotIm = im.slice();
      fft(gotRe, gotIm);
      expect(relativeError(gotRe, gotIm, wantRe, wantIm)).toBeLessThan(TOLERANCE);
    });
  }

  it('uses Bluestein exactly for lengths with a prime factor above the generic radix limit', () => {
    expect(fftPlan(GENERIC_RADIX_LIMIT).kind).toBe('mixed');
    expect(fftPlan(37).kind).toBe('bluestein');
    expect(fftPlan(1021).kind).toBe('bluestein');
    expect(fftPlan(224).radices).toEqual([8, 4, 7]);
    expect(fftPlan(1024).radices).toEqual([8, 8, 4, 4]);
  });

  it('transforms interleaved lines independently (element j of line l at j * lines + l)', () => {
    for (const n of [7, 12, 56, 97]) {
      const lines = 5;
      const re = new Float64Array(n * lines), im = new Float64Array(n * lines);
      const singles: [Float64Array, Float64Array][] = [];
      for (let l = 0; l < lines; l++) {
        const [r, i] = signal(n, 1000 * n + l);
        singles.push(naiveDft(r, i));
        for (let j = 0; j < n; j++) {
          re[j * lines + l] = r[j];
          im[j * lines + l] = i[j];
        }
      }
      const sr = new Float64Array(n * lines), si = new Float64Array(n * lines);
      const inScratch = fftLines(n, lines, re, im, sr, si);
      const outRe = inScratch ? sr : re, outIm = inScratch ? si : im;
      for (let l = 0; l < lines; l++) {
        const gotRe = new Float64Array(n), gotIm = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          gotRe[j] = outRe[j * lines + l];
          gotIm[j] = outIm[j * lines + l];
        }
        expect(relativeError(gotRe, gotIm, singles[l][0], singles[l][1])).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('inverts (ifft after fft gives the signal back)', () => {
    for (const n of [1, 2, 9, 224, 251, 1000]) {
      const [re, im] = signal(n, 7 * n);
      const r = re.slice(), i = im.slice();
      fft(r, i);
      ifft(r, i);
      expect(relativeError(r, i, re, im)).toBeLessThan(TOLERANCE);
    }
  });

  it('rejects a length that is not a positive integer', () => {
    expect(() => fftPlan(0)).toThrow(/not a positive integer/);
    expect(() => fftPlan(2.5)).toThrow(/not a positive integer/);
  });
});
