// Overview: for every layer in network order, A's SROP distribution as the left half of a violin
// and B's as the right half (y = SROP, 1 = Nyquist), the medians of each side joined across
// layers, dead and non-finite counts under each layer. With one side loaded, whole violins and no
// comparison marks. A layer whose inputs differ (statistics across inputs, p Holm < 0.05) carries
// a star over its violin. Hover (or focus) shows the summary; a click opens the layer.
import { useState } from 'react';
import { area, curveBasis, line, scaleLinear } from 'd3';
import { inputsDiffer, SINGLE_PIXEL_NOTE, singlePixelRow, type LayerRow, type SideView } from '../../analysis/layerRows';
import type { DistributionSummary } from '../../analysis/summary';
import type { SideName } from '../../session/workspace';
import { ChartFrame } from './ChartFrame';
import { AXIS, SIDE_STYLE, formatNumber, formatP } from './theme';

const BAND = 64;
const MARGIN = { top: 16, right: 16, bottom: 96, left: 64 };
const HEIGHT = 340;

function summaryText(side: string, s: DistributionSummary): string {
  return `${side}: ${s.count} SROPs, median ${formatNumber(s.median)}, quartiles ${formatNumber(s.q1)} to ${formatNumber(s.q3)}, mean ${formatNumber(s.mean)}, range ${formatNumber(s.min)} to ${formatNumber(s.max)}; dead ${s.dead}, non-finite ${s.nonfinite}`;
}

type SideNames = { a: string; b: string };

/**
 * A layer's label under its violin: short names whole; long ones by their end, which is what tells
 * them apart (ONNX tensor names share long prefixes: "/features/features.3/…"), without the
 * exporter's "_output_0".
 */
export function shortName(name: string): string {
  const bare = name.length > 16 ? name.replace(/_output_0$/, '') : name;
  return bare.length > 16 ? `…${bare.slice(-15)}` : bare;
}

function summaryLine(row: LayerRow, names: SideNames): string {
  if (singlePixelRow(row)) return SINGLE_PIXEL_NOTE;
  return [row.a && summaryText(names.a, row.a.summary), row.b && summaryText(names.b, row.b.summary)].filter(Boolean).join('; ');
}

function markOf(row: LayerRow, names: SideNames): string {
  const match = row.match === 'only-a' ? ` (${names.a} only)` : row.match === 'only-b' ? ` (${names.b} only)` : row.match === 'shape-differs' ? ' (shapes differ)' : '';
  return match + (inputsDiffer(row) ? ` (inputs differ, p Holm ${formatP(row.inputs!.p_holm!)})` : '');
}


export function Overview({ rows, grid, yMax, selected, onSelect, title = 'SROP distributions per layer', description, filename = 'srop-overview', testId = 'overview', sideNames = { a: 'A', b: 'B' } }: {
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
  const width = MARGIN.left + MARGIN.right + Math.max(rows.length, 1) * BAND;
  const y = scaleLinear().domain([0, yMax]).range([HEIGHT - MARGIN.bottom, MARGIN.top]).nice();
  const x = (i: number) => MARGIN.left + i * BAND + BAND / 2;
  const half = BAND * 0.42;
  // Only one side loaded: each violin is whole and its median on the centre line.
  const single = rows.length > 0 && rows.every((r) => r.match === 'single');
  const shown: SideName[] = rows.some((r) => r.a) ? (rows.some((r) => r.b) ? ['A', 'B'] : ['A']) : ['B'];
  const offset = (side: 'a' | 'b') => (single ? 0 : side === 'a' ? -half / 2 : half / 2);
  const counts = (row: LayerRow, key: 'dead' | 'nonfinite') =>
    (single ? [row.a ?? row.b] : [row.a, row.b]).map((s) => (s ? String(s.summary[key]) : '–')).join(' | ');
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
    <>
    <ChartFrame
      title={title}
      description={`${rows.length} layers in network order; ${description ?? `${single ? `input ${shown[0] === 'A' ? sideNames.a : sideNames.b} only` : `left half ${sideNames.a}, right half ${sideNames.b}`}; lines join the medians; counts of dead and non-finite maps under each layer; 1 is the Nyquist radius${rows.some(inputsDiffer) ? '; ★: the inputs differ between the sides (p Holm < 0.05)' : ''}`}`}
      filename={filename}
      width={width}
      height={HEIGHT}
      testId={testId}
    >
      {ticks.map((t) => (
        <g key={t}>
          <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(t)} y2={y(t)} stroke={t === 1 ? '#999' : AXIS.grid} strokeDasharray={t === 1 ? '2 2' : undefined} />
          <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>
        </g>
      ))}
      <text transform={`translate(12 ${(HEIGHT - MARGIN.bottom + MARGIN.top) / 2}) rotate(-90)`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>
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
              }
            }}
            style={{ cursor: 'pointer' }}
          >
            <title>{`${row.name}${mark}\n${label.replaceAll('; ', '\n')}`}</title>
            <rect x={centre - BAND / 2} y={MARGIN.top} width={BAND} height={HEIGHT - MARGIN.top} fill={selected === row.name ? '#eef3fb' : 'transparent'} />
            {inputsDiffer(row) && (
              <text x={centre} y={MARGIN.top + 10} textAnchor="middle" fontSize={14} fill="#b22" data-inputs-differ="true">
                ★
              </text>
            )}
            {flat && (
              <text x={centre} y={(MARGIN.top + HEIGHT - MARGIN.bottom) / 2} textAnchor="middle" fontSize={AXIS.font} fill="#666" data-single-pixel="true" transform={`rotate(-90 ${centre} ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2})`}>
                {SINGLE_PIXEL_NOTE}
              </text>
            )}
            {row.a && !flat && <path d={violin(row.a, -1, centre)} fill={SIDE_STYLE.A.fill} fillOpacity={0.85} stroke={SIDE_STYLE.A.colour} strokeWidth={1} />}
            {row.a && single && !flat && <path d={violin(row.a, 1, centre)} fill={SIDE_STYLE.A.fill} fillOpacity={0.85} stroke={SIDE_STYLE.A.colour} strokeWidth={1} />}
            {row.b && !flat && <path d={violin(row.b, 1, centre)} fill={SIDE_STYLE.B.fill} fillOpacity={0.6} stroke={SIDE_STYLE.B.colour} strokeDasharray={SIDE_STYLE.B.dash} strokeWidth={1} />}
            {row.b && single && !flat && <path d={violin(row.b, -1, centre)} fill={SIDE_STYLE.B.fill} fillOpacity={0.6} stroke={SIDE_STYLE.B.colour} strokeDasharray={SIDE_STYLE.B.dash} strokeWidth={1} />}
            <line x1={centre} x2={centre} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} stroke="#bbb" strokeWidth={0.5} />
            <text x={centre} y={HEIGHT - MARGIN.bottom + 12} textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour} transform={`rotate(-35 ${centre} ${HEIGHT - MARGIN.bottom + 12})`}>
              {shortName(row.name)}
              {mark && !mark.startsWith(' (inputs differ') ? ' *' : ''}
            </text>
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
      <text x={2} y={HEIGHT - 18} fontSize={9} fill="#666">{`dead ${shown.join(' | ')}`}</text>
      <text x={2} y={HEIGHT - 6} fontSize={9} fill="#666">{`non-finite ${shown.join(' | ')}`}</text>
    </ChartFrame>
    <p className="overview-summary" data-testid={`${testId}-summary`} aria-live="polite">
      {activeRow ? `${activeRow.name}${markOf(activeRow, sideNames)}: ${summaryLine(activeRow, sideNames)}` : 'Hover over or focus a layer for its summary; click or press Enter to open it.'}
    </p>
    </>
  );
}
