// Colours and strokes of the two sides: Okabe-Ito blue and orange (safe for colour blindness), and
// apart in greyscale too: A is dark and solid, B light and dashed.
import type { SideName } from '../../session/workspace';

export const SIDE_STYLE: Record<SideName, { colour: string; fill: string; dash: string | undefined; label: string }> = {
  A: { colour: '#0a4f8c', fill: '#3f7fbf', dash: undefined, label: 'A' },
  B: { colour: '#b35c00', fill: '#f0b54a', dash: '5 3', label: 'B' },
};

export const AXIS = { colour: '#444', grid: '#e3e3e3', font: 11 };

/**
 * A value with `digits` decimals, '–' when there is none. A value that rounds to zero shows no
 * sign (toFixed writes -0 and -0.0001 as "-0.000", which reads as a change that is not there).
 */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const text = Number(value).toFixed(digits);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** A p-value: three decimals, or two significant digits in exponent form below 0.001; '–' when there is none. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '–';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/**
 * What A and B look like in a chart (A filled and solid, B light and dashed), drawn inside the SVG
 * so that an exported chart carries it. `names` relabels the sides (the lab's trained/randomised).
 */
export function SideLegend({ x, y, sides, names }: { x: number; y: number; sides: SideName[]; names?: { a: string; b: string } }) {
  const label = (side: SideName) => (side === 'A' ? names?.a ?? 'A' : names?.b ?? 'B');
  let at = x;
  return (
    <g className="side-legend" pointerEvents="none">
      {sides.map((side) => {
        const start = at;
        at += 34 + label(side).length * 6.4;
        const style = SIDE_STYLE[side];
        return (
          <g key={side} transform={`translate(${start} ${y})`}>
            <rect width={18} height={10} y={-9} fill={style.fill} fillOpacity={side === 'A' ? 0.85 : 0.6} stroke={style.colour} strokeDasharray={style.dash} />
            <text x={22} fontSize={AXIS.font} fill={style.colour}>{label(side)}</text>
          </g>
        );
      })}
    </g>
  );
}

/**
 * Horizontal grid lines at `y`'s ticks from `left` to `right`, each labelled at the left edge.
 * `format` writes a tick (default: as d3 gives it); `zeroStroke` draws the line at 0 apart.
 */
export function YGrid({ y, left, right, ticks = 4, format, zeroStroke }: { y: { ticks(count: number): number[]; (value: number): number }; left: number; right: number; ticks?: number; format?: (tick: number) => string; zeroStroke?: string }) {
  return (
    <>
      {y.ticks(ticks).map((t) => (
        <g key={t}>
          <line x1={left} x2={right} y1={y(t)} y2={y(t)} stroke={zeroStroke && t === 0 ? zeroStroke : AXIS.grid} />
          <text x={left - 4} y={y(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{format ? format(t) : t}</text>
        </g>
      ))}
    </>
  );
}
