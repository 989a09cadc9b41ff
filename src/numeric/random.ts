// The project's one seeded random source and its one Gaussian draw: the demo's noise (Make B from
// A), the lab's weight randomisation, synthetic maps for tests and benchmarks all draw from here,
// so a seed means the same numbers everywhere.

/** mulberry32: small, fast, seedable; uniform on [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal draw (Box-Muller, cosine branch) from two uniforms of `random`. */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}
