// Colours and strokes of the two sides: Okabe-Ito blue and orange (safe for colour blindness), and
// apart in greyscale too: A is dark and solid, B light and dashed.
import type { SideName } from '../workspace';

export const SIDE_STYLE: Record<SideName, { colour: string; fill: string; dash: string | undefined; label: string }> = {
  A: { colour: '#0a4f8c', fill: '#3f7fbf', dash: undefined, label: 'A' },
  B: { colour: '#b35c00', fill: '#f0b54a', dash: '5 3', label: 'B' },
};

export const AXIS = { colour: '#444', grid: '#e3e3e3', font: 11 };

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number(value).toFixed(digits);
}
