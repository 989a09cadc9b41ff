// IEEE half precision and bfloat16, to and from float32 (round to nearest even): the readers decode
// stored weights and activations with these, the lab re-encodes randomised weights with them.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let halfTable: Float32Array | null = null;

/** Every IEEE half-precision value, exactly, as float32 (indexed by its 16 bits). */
export function halfValues(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    let v: number;
    if (exp === 0) v = mant * 2 ** -24;
    else if (exp === 31) v = mant ? NaN : Infinity;
    else v = (1024 + mant) * 2 ** (exp - 25);
    table[h] = sign * v;
  }
  halfTable = table;
  return table;
}

/** The value of a half-precision number given by its 16 bits. */
export function halfToFloat(h: number): number {
  return halfValues()[h & 0xffff];
}

/** The 16 bits of the half-precision number nearest to `value` (ties to even). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1), halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return half;
}

/** The value of a bfloat16 given by its 16 bits (the top half of a float32). */
export function bfloatToFloat(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/** The 16 bits of the bfloat16 nearest to `value` (ties to even). */
export function floatToBfloat(value: number): number {
  f32[0] = value;
  const x = u32[0];
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}
