// GPU memory as a function of the pairs of maps in a chunk. Each stage states the cost of the
// buffers it makes (beside the code that makes them), the chunk pipeline adds its own shared
// buffers, and the engine sizes chunks from the sum: there is no separate model of what is allocated.

/** Bytes of GPU buffers for chunks of `pairs` pairs: at most fixed + perPair * pairs. */
export interface BufferCost {
  /** Bytes whatever the pairs: tables, uniforms, and the 16-byte floor of every per-pair buffer. */
  fixed: number;
  /** Bytes per pair of maps. */
  perPair: number;
  /** The largest buffer among the fixed ones, bytes. */
  largestFixed: number;
  /** The largest buffer that grows with the pairs, bytes per pair. */
  largestPerPair: number;
}

/** Bytes of a buffer holding `bytes` bytes, as storageBuffer (gpuCommon.ts) rounds them: whole words, at least 16. */
export const storedBytes = (bytes: number): number => Math.max(16, Math.ceil(bytes / 4) * 4);

/** One buffer of this many bytes, whatever the pairs. */
export function fixedBuffer(bytes: number): BufferCost {
  const stored = storedBytes(bytes);
  return { fixed: stored, perPair: 0, largestFixed: stored, largestPerPair: 0 };
}

/** One buffer of `bytesPerPair` bytes per pair (made with a 16-byte floor, counted in `fixed`). */
export function pairBuffer(bytesPerPair: number): BufferCost {
  return { fixed: 16, perPair: bytesPerPair, largestFixed: 0, largestPerPair: bytesPerPair };
}

/** The cost of all these buffers together. */
export function sumCosts(...costs: BufferCost[]): BufferCost {
  return costs.reduce(
    (a, b) => ({
      fixed: a.fixed + b.fixed,
      perPair: a.perPair + b.perPair,
      largestFixed: Math.max(a.largestFixed, b.largestFixed),
      largestPerPair: Math.max(a.largestPerPair, b.largestPerPair),
    }),
    { fixed: 0, perPair: 0, largestFixed: 0, largestPerPair: 0 },
  );
}

/** `cost` taken `times` times (buffers made that many times over). */
export function repeatCost(cost: BufferCost, times: number): BufferCost {
  return sumCosts(...Array.from({ length: times }, () => cost));
}

/** Bytes of chunks of `pairs` pairs at most. */
export const costBytes = (cost: BufferCost, pairs: number): number => cost.fixed + cost.perPair * pairs;

/** Bytes in MiB for messages. */
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * The most pairs per chunk (at most `mostPairs`) whose buffers stay under `bound` bytes together
 * and each within `bufferLimit`; throws, naming `what`, when not even one pair fits.
 */
export function chunkPairs(cost: BufferCost, bound: number, bufferLimit: number, mostPairs: number, what: string): number {
  if (cost.largestFixed > bufferLimit) {
    throw new Error(`GPU engine: ${what} need a ${mib(cost.largestFixed)} table, more than the device's buffer limit of ${mib(bufferLimit)}`);
  }
  const pairs = Math.min(Math.floor((bound - cost.fixed) / cost.perPair), Math.floor(bufferLimit / cost.largestPerPair), mostPairs);
  if (pairs < 1) {
    throw new Error(
      `GPU engine: ${what} need ${mib(costBytes(cost, 1))} of GPU memory per pair with their tables (largest buffer ${mib(cost.largestPerPair)}), ` +
        `more than the bound of ${mib(bound)} or the device's buffer limit of ${mib(bufferLimit)}`,
    );
  }
  return pairs;
}
