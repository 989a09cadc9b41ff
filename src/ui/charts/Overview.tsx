// Overview: for every layer in network order, A's SROP distribution as the left half of a violin
// and B's as the right half (y = SROP, 1 = Nyquist), the medians of each side joined across
// layers, dead and non-finite counts under each layer. With one side loaded, whole violins and no
// comparison marks. A layer whose inputs differ (statistics across inputs, p Holm < 0.05) carries
// a star over its violin. Hover (or focus) shows the summary; a click opens the layer.
import { memo, useEffect, useRef, useState } from 'react';
import { area, curveBasis, line, scaleLinear } from 'd3';
import { inputsDiffer, SINGLE_PIXEL_NOTE, singlePixelRow, type LayerRow, type SideView } from '../../analysis/layerRows';
import type { DistributionSummary } from '../../analysis/summary';
import type { SideName } from '../../session/workspace';
import { ChartFrame } from './ChartFrame';
import { AXIS, SIDE_STYLE, SideLegend, formatNumber, formatP } from './theme';
import { clamp, useWidth } from './useWidth';

/** Narrowest violin band: below it, the overview scrolls sideways (the selected layer kept in view). */
export const MIN_BAND = 24;
const MARGIN = { top: 24, right: 16, left: 64 };
/** Rough advance of one character of the axis font (11 px system-ui), for fitting labels. */
const CHAR_WIDTH = 6.4;
/** Height of the vertical labels' area: names longer than fits are cut at the front. */
const VERTICAL_LABELS = 112;
const COUNTS = 30;

/** How the layers are laid out for a plot `width` px wide (the container's). */
export function overviewLayout(names: string[], width: number) {
  const n = Math.max(names.length, 1);
  const band = Math.max(MIN_BAND, (width - MARGIN.left - MARGIN.right) / n);
  const longest = Math.max(0, ...names.map((name) => name.length + 2));
  // Labels lie flat when every one fits its band, else stand upright (never overlapping: the font
  // is narrower than the narrowest band).
  const vertical = longest * CHAR_WIDTH > band - 6;
  const labelHeight = vertical ? VERTICAL_LABELS : 22;
  const plotHeight = Math.round(clamp(width * 0.26, 240, 400));
  return { band, vertical, labelHeight, plotWidth: MARGIN.left + MARGIN.right + n * band, height: MARGIN.top + plotHeight + labelHeight + COUNTS, plotBottom: MARGIN.top + plotHeight };
}

/** A label cut at its front (the end tells layers apart) to `chars` characters. */
export function fitLabel(name: string, chars: number): string {
  const bare = name.length > chars ? name.replace(/_output_0$/, '') : name;
  return bare.length > chars ? `…${bare.slice(-(chars - 1))}` : bare;
}

function summaryText(side: string, s: DistributionSummary): string {
  return `${side}: ${s.count} SROPs, median ${formatNumber(s.median)}, quartiles ${formatNumber(s.q1)} to ${formatNumber(s.q3)}, mean ${formatNumber(s.mean)}, range ${formatNumber(s.min)} to ${formatNumber(s.max)}; dead ${s.dead}, non-finite ${s.nonfinite}`;
}

type SideNames = { a: string; b: string };

/** The full tensor name of a layer shown by a shorter one (a live feature map's module path), else null. */
export function tensorOf(row: LayerRow): string | null {
  return row.a?.result.tensor ?? row.b?.result.tensor ?? null;
}

function summaryLine(row: LayerRow, names: SideNames): string {
  if (singlePixelRow(row)) return SINGLE_PIXEL_NOTE;
  return [row.a && summaryText(names.a, row.a.summary), row.b && summaryText(names.b, row.b.summary)].filter(Boolean).join('; ');
}

function markOf(row: LayerRow, names: SideNames): string {
  const match = row.match === 'only-a' ? ` (${names.a} only)` : row.match === 'only-b' ? ` (${names.b} only)` : row.match === 'shape-differs' ? ' (shapes differ)' : '';
  return match + (inputsDiffer(row) ? ` (inputs differ, p Holm ${formatP(row.inputs!.p_holm!)})` : '');
}


/** Drawn again only when its inputs change (not on every render of the page: a progress update is one). */
export const Overview = memo(function Overview({ rows, grid, yMax, selected, onSelect, title = 'SROP distributions per layer', description, filename = 'srop-overview', testId = 'overview', sideNames = { a: 'A', b: 'B' } }: {
  rows: LayerRow[];
  grid: Float64Array;
  yMax: number;
  selected: string | null;
  onSelect: (name: string) => void;
  /** For another use of the chart (the lab's trained-against-randomised plot): its own title, text, file name and test id. */
  title?: string;
  description?: string;
  filename?: string;
  testId?: string;
  /** What the left (A) and right (B) halves are. */
  sideNames?: SideNames;
}) {
  const [active, setActive] = useState<string | null>(null);
  const [container, available] = useWidth<HTMLDivElement>(800);
  const layout = overviewLayout(rows.map((r) => r.name + (markOf(r, sideNames) ? ' *' : '')), available);
  const { band: BAND, vertical, plotBottom } = layout;
  const width = layout.plotWidth;
  const HEIGHT = layout.height;
  const y = scaleLinear().domain([0, yMax]).range([plotBottom, MARGIN.top]).nice();
  const x = (i: number) => MARGIN.left + i * BAND + BAND / 2;
  const half = Math.min(BAND * 0.42, 72);
  const labelChars = Math.floor((vertical ? VERTICAL_LABELS - 10 : BAND - 6) / CHAR_WIDTH);
  // Only one side loaded: each violin is whole and its median on the centre line.
  const single = rows.length > 0 && rows.every((r) => r.match === 'single');
  const shown: SideName[] = rows.some((r) => r.a) ? (rows.some((r) => r.b) ? ['A', 'B'] : ['A']) : ['B'];
  const offset = (side: 'a' | 'b') => (single ? 0 : side === 'a' ? -half / 2 : half / 2);
  // The selected layer stays in view when the overview scrolls sideways.
  useEffect(() => {
    const scroller = container.current?.querySelector('.chart-scroll');
    const index = rows.findIndex((r) => r.name === selected);
    if (!scroller || index < 0 || width <= scroller.clientWidth) return;
    const left = x(index) - BAND / 2, right = x(index) + BAND / 2;
    if (left < scroller.scrollLeft + MARGIN.left || right > scroller.scrollLeft + scroller.clientWidth) scroller.scrollLeft = Math.max(0, left - scroller.clientWidth / 2);
  }, [selected, BAND, width]); // eslint-disable-line react-hooks/exhaustive-deps
  const moveFocus = (from: number, to: number) => {
    const target = Math.max(0, Math.min(rows.length - 1, to));
    if (target === from) return;
    onSelect(rows[target].name);
    const element = container.current?.querySelector<SVGGElement>(`.overview-layer[data-index="${target}"]`);
    element?.focus();
  };
  // Counts under each layer: "A | B", tighter in narrow bands, a dot where even that does not fit
  // (the numbers are in the hover text and the summary line).
  const counts = (row: LayerRow, key: 'dead' | 'nonfinite') => {
    const values = (single ? [row.a ?? row.b] : [row.a, row.b]).map((s) => (s ? String(s.summary[key]) : '–'));
    const wide = values.join(' | ');
    if (wide.length * 5.4 <= BAND - 2) return wide;
    const tight = values.join('|');
    if (tight.length * 5.4 <= BAND - 2) return tight;
    return values.some((v) => v !== '0' && v !== '–') ? '•' : '·';
  };
  const violin = (side: SideView, sign: -1 | 1, centre: number) => {
    const points = Array.from(grid, (g, i) => ({ g, d: side.density[i] })).filter((p) => p.g <= (side.summary.max ?? 0) + (yMax / 40) && p.g >= (side.summary.min ?? 0) - yMax / 40);
    const path = area<{ g: number; d: number }>()
      .y((p) => y(p.g))
      .x0(centre)
      .x1((p) => centre + sign * p.d * half)
      .curve(curveBasis)(points);
    return path ?? '';
  };
  const medianLine = (side: 'a' | 'b') =>
    line<{ i: number; m: number }>()
      .x((p) => x(p.i) + offset(side))
      .y((p) => y(p.m))(rows.flatMap((r, i) => (r[side]?.summary.median != null && !singlePixelRow(r) ? [{ i, m: r[side]!.summary.median! }] : []))) ?? '';
  const ticks = y.ticks(6);
  const activeRow = rows.find((r) => r.name === active) ?? null;
  return (
    <div ref={container} className="overview-fit" data-band={Math.round(BAND)}>
    <ChartFrame
      title={title}
      description={`${rows.length} layers in network order; ${description ?? `${single ? `input ${shown[0] === 'A' ? sideNames.a : sideNames.b} only` : `left half ${sideNames.a}, right half ${sideNames.b}`}; lines join the medians; counts of dead and non-finite maps under each layer; 1 is the Nyquist radius${rows.some(inputsDiffer) ? '; ★: the inputs differ between the sides (p Holm < 0.05)' : ''}`}`}
      filename={filename}
      width={width}
      height={HEIGHT}
      testId={testId}
      scroll
    >
      {ticks.map((t) => (
        <g key={t}>
          <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(t)} y2={y(t)} stroke={t === 1 ? '#999' : AXIS.grid} strokeDasharray={t === 1 ? '2 2' : undefined} />
          <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>
        </g>
      ))}
      <text transform={`translate(12 ${(plotBottom + MARGIN.top) / 2}) rotate(-90)`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>
        SROP (1 = Nyquist)
      </text>
      {rows.map((row, i) => {
        const centre = x(i);
        const label = summaryLine(row, sideNames);
        // 1 x 1 maps: no violin (it would be a spike at kappa), a mark saying why.
        const flat = singlePixelRow(row);
        const mark = markOf(row, sideNames);
        return (
          <g
            key={row.name}
            className="overview-layer"
            data-layer={row.name}
            data-index={i}
            role="button"
            tabIndex={0}
            aria-label={`Layer ${row.name}${mark}: ${label}`}
            aria-pressed={selected === row.name}
            onClick={() => onSelect(row.name)}
            onMouseEnter={() => setActive(row.name)}
            onMouseLeave={() => setActive(null)}
            onFocus={() => setActive(row.name)}
            onBlur={() => setActive(null)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                onSelect(row.name);
              } else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft' || event.key === 'Home' || event.key === 'End') {
                // The arrows move to the next or previous layer and open it; Home and End to the ends.
                event.preventDefault();
                moveFocus(i, event.key === 'ArrowRight' ? i + 1 : event.key === 'ArrowLeft' ? i - 1 : event.key === 'Home' ? 0 : rows.length - 1);
              }
            }}
            style={{ cursor: 'pointer' }}
          >
            <title>{`${row.name}${mark}${tensorOf(row) ? `\ntensor ${tensorOf(row)}` : ''}\n${label.replaceAll('; ', '\n')}`}</title>
            <rect x={centre - BAND / 2} y={MARGIN.top} width={BAND} height={HEIGHT - MARGIN.top} fill={selected === row.name ? '#eef3fb' : 'transparent'} className={selected === row.name ? 'selection-mark' : undefined} />
            {inputsDiffer(row) && (
              <text x={centre} y={MARGIN.top + 10} textAnchor="middle" fontSize={14} fill="#b22" data-inputs-differ="true">
                ★
              </text>
            )}
            {flat && (
              <text x={centre} y={(MARGIN.top + plotBottom) / 2} textAnchor="middle" fontSize={AXIS.font} fill="#666" data-single-pixel="true" transform={`rotate(-90 ${centre} ${(MARGIN.top + plotBottom) / 2})`}>
                {SINGLE_PIXEL_NOTE}
              </text>
            )}
            {row.a && !flat && <path d={violin(row.a, -1, centre)} fill={SIDE_STYLE.A.fill} fillOpacity={0.85} stroke={SIDE_STYLE.A.colour} strokeWidth={1} />}
            {row.a && single && !flat && <path d={violin(row.a, 1, centre)} fill={SIDE_STYLE.A.fill} fillOpacity={0.85} stroke={SIDE_STYLE.A.colour} strokeWidth={1} />}
            {row.b && !flat && <path d={violin(row.b, 1, centre)} fill={SIDE_STYLE.B.fill} fillOpacity={0.6} stroke={SIDE_STYLE.B.colour} strokeDasharray={SIDE_STYLE.B.dash} strokeWidth={1} />}
            {row.b && single && !flat && <path d={violin(row.b, -1, centre)} fill={SIDE_STYLE.B.fill} fillOpacity={0.6} stroke={SIDE_STYLE.B.colour} strokeDasharray={SIDE_STYLE.B.dash} strokeWidth={1} />}
            <line x1={centre} x2={centre} y1={MARGIN.top} y2={plotBottom} stroke="#bbb" strokeWidth={0.5} />
            {vertical ? (
              <text className="layer-label" x={centre} y={plotBottom + 6} dy="0.35em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour} transform={`rotate(-90 ${centre} ${plotBottom + 6})`}>
                {fitLabel(row.name, labelChars - (mark && !mark.startsWith(' (inputs differ') ? 2 : 0))}
                {mark && !mark.startsWith(' (inputs differ') ? ' *' : ''}
              </text>
            ) : (
              <text className="layer-label" x={centre} y={plotBottom + 15} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>
                {row.name}
                {mark && !mark.startsWith(' (inputs differ') ? ' *' : ''}
              </text>
            )}
            <text x={centre} y={HEIGHT - 18} textAnchor="middle" fontSize={9} fill="#666" data-count="dead">{counts(row, 'dead')}</text>
            <text x={centre} y={HEIGHT - 6} textAnchor="middle" fontSize={9} fill="#666" data-count="nonfinite">{counts(row, 'nonfinite')}</text>
          </g>
        );
      })}
      <path d={medianLine('a')} fill="none" stroke={SIDE_STYLE.A.colour} strokeWidth={2} pointerEvents="none" />
      <path d={medianLine('b')} fill="none" stroke={SIDE_STYLE.B.colour} strokeWidth={2} strokeDasharray={SIDE_STYLE.B.dash} pointerEvents="none" />
      {rows.map((row, i) => (['a', 'b'] as const).map((s) => row[s]?.summary.median != null && !singlePixelRow(row) && (
        <circle key={`${row.name}-${s}`} cx={x(i) + offset(s)} cy={y(row[s]!.summary.median!)} r={3} fill={s === 'a' ? SIDE_STYLE.A.colour : '#fff'} stroke={s === 'a' ? SIDE_STYLE.A.colour : SIDE_STYLE.B.colour} strokeWidth={1.5} pointerEvents="none" />
      )))}
      <SideLegend x={MARGIN.left + 4} y={14} sides={shown} names={sideNames} />
      <text x={2} y={HEIGHT - 18} fontSize={9} fill="#666">{`dead ${shown.join(' | ')}`}</text>
      <text x={2} y={HEIGHT - 6} fontSize={9} fill="#666">{`non-finite ${shown.join(' | ')}`}</text>
    </ChartFrame>
    <p className="overview-summary" data-testid={`${testId}-summary`} aria-live="polite">
      {activeRow ? `${activeRow.name}${markOf(activeRow, sideNames)}: ${summaryLine(activeRow, sideNames)}` : 'Hover over or focus a layer for its summary; click or press Enter to open it.'}
    </p>
    </div>
  );
});
