// Colours for series told apart by colour (the lab's layers, models and structures): Okabe-Ito-like
// hues apart in greyscale too; beyond eight, the colours repeat with a dash.
export const PALETTE = ['#0a4f8c', '#b35c00', '#2a8c4a', '#8c2a6e', '#555555', '#6b4fbb', '#c23b22', '#1b9e9e'];
export const seriesColour = (i: number) => PALETTE[i % PALETTE.length];
export const seriesDash = (i: number) => (i < PALETTE.length ? undefined : '4 2');

/** One colour index per distinct key, in order of first appearance. */
export function colourIndex(keys: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) if (!out.has(k)) out.set(k, out.size);
  return out;
}
