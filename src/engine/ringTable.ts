// Ring index, disc membership and half-spectrum weight of every rfft2 bin of an H x W map
// (spec/SROP.md §2 steps 2-6), decided in exact integer arithmetic and cached per shape.

export interface RingTable {
  height: number;
  width: number;
  /** Half-spectrum columns kx = 0 .. floor(W/2). */
  cols: number;
  /** height x cols, row-major by (ky row, kx column): ring index of each bin. */
  ring: Uint32Array;
  /** 1 where the bin lies inside the Nyquist disc (4 Q <= (H W)^2). */
  inDisc: Uint8Array;
  /** How many full-spectrum bins the half-spectrum bin stands for (1 or 2). */
  weight: Uint8Array;
  /** Largest ring index of any bin, plus one. */
  rings: number;
  /**
   * Bins grouped by segment for gathering: segment `r` is ring r inside the disc, segment
   * `rings + r` ring r outside it. `order[segmentStart[s] .. segmentStart[s+1])` lists its bins.
   */
  segmentStart: Uint32Array;
  order: Uint32Array;
}

/** numpy.fft.fftfreq(n) * n for index i. */
export function signedFrequency(i: number, n: number): number {
  return i < Math.floor((n + 1) / 2) ? i : i - n;
}

/** floor(2 s) for s = M sqrt(Q) / (H W): the largest m with (m H W)^2 <= 4 M^2 Q, exactly. */
function floorTwiceRadius(Q: number, M: number, HW: number): number {
  const estimate = Math.floor((2 * M * Math.sqrt(Q)) / HW);
  const bound = 4 * M * M * Q;
  // Plain doubles are exact while every product stays below 2^53; otherwise settle it in BigInt.
  const big = (estimate + 1) * HW;
  if (bound < 2 ** 53 && big * big < 2 ** 53) {
    let m = estimate;
    while ((m + 1) * HW * ((m + 1) * HW) <= bound) m++;
    while (m > 0 && m * HW * (m * HW) > bound) m--;
    return m;
  }
  const B = 4n * BigInt(M) * BigInt(M) * BigInt(Q);
  const hw = BigInt(HW);
  let m = BigInt(estimate);
  while ((m + 1n) * hw * ((m + 1n) * hw) <= B) m++;
  while (m > 0n && m * hw * (m * hw) > B) m--;
  return Number(m);
}

function insideDisc(Q: number, HW: number): boolean {
  if (HW * HW < 2 ** 53 && 4 * Q < 2 ** 53) return 4 * Q <= HW * HW;
  return 4n * BigInt(Q) <= BigInt(HW) * BigInt(HW);
}

export function buildRingTable(height: number, width: number): RingTable {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 1 && width >= 1)) {
    throw new Error(`map size ${height} x ${width} is not a positive integer size`);
  }
  const H = height;
  const W = width;
  const cols = (W >> 1) + 1;
  const M = Math.max(H, W);
  const HW = H * W;
  const bins = H * cols;
  const ring = new Uint32Array(bins);
  const inDisc = new Uint8Array(bins);
  const weight = new Uint8Array(bins);
  let maxRing = 0;
  // Rows i and H - i have frequencies ky and -ky, so the same radius: the rows past H / 2 are
  // copies (half the square roots and exact checks, which a 224 x 224 table spent 8 ms on).
  const computed = (H >> 1) + 1;
  for (let i = 0; i < H; i++) {
    if (i >= computed) {
      const from = (H - i) * cols;
      ring.copyWithin(i * cols, from, from + cols);
      inDisc.copyWithin(i * cols, from, from + cols);
      weight.copyWithin(i * cols, from, from + cols);
      continue;
    }
    const ky = signedFrequency(i, H);
    for (let kx = 0; kx < cols; kx++) {
      const Q = (ky * W) ** 2 + (kx * H) ** 2;
      const r = (floorTwiceRadius(Q, M, HW) + 1) >> 1;
      const b = i * cols + kx;
      ring[b] = r;
      inDisc[b] = insideDisc(Q, HW) ? 1 : 0;
      weight[b] = kx === 0 || (W % 2 === 0 && kx === W / 2) ? 1 : 2;
      if (r > maxRing) maxRing = r;
    }
  }
  const rings = maxRing + 1;
  const segmentStart = new Uint32Array(2 * rings + 1);
  const segmentOf = (b: number) => (inDisc[b] ? ring[b] : rings + ring[b]);
  for (let b = 0; b < bins; b++) segmentStart[segmentOf(b) + 1]++;
  for (let s = 0; s < 2 * rings; s++) segmentStart[s + 1] += segmentStart[s];
  const fill = segmentStart.slice(0, 2 * rings);
  const order = new Uint32Array(bins);
  for (let b = 0; b < bins; b++) order[fill[segmentOf(b)]++] = b;
  return { height: H, width: W, cols, ring, inDisc, weight, rings, segmentStart, order };
}

const cache = new Map<string, RingTable>();
const CACHE_LIMIT = 64;

/** The ring table of an H x W map, computed once per shape (least recently used shapes dropped past 64). */
export function ringTable(height: number, width: number): RingTable {
  const key = `${height}x${width}`;
  let table = cache.get(key);
  if (table) {
    cache.delete(key);
  } else {
    table = buildRingTable(height, width);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, table);
  return table;
}
