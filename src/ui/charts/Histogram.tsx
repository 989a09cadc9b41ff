// Histograms of one layer's SROPs for A (filled) and B (dashed outline) on shared bins.
import { useMemo } from 'react';
import { scaleLinear } from 'd3';
import { histogram } from '../../analysis/summary';
import { ChartFrame } from './ChartFrame';
import { CHART_BOUNDS } from './chartSize';
import { AXIS, SIDE_STYLE, SideLegend, YGrid } from './theme';
import { useChartSize } from './useWidth';

const M = { top: 22, right: 12, bottom: 36, left: 52 };

export function Histogram({ layer, a, b, xMax }: { layer: string; a: Float64Array | null; b: Float64Array | null; xMax: number }) {
  // Sized by its container; the bins are counted once per data, not at every resize.
  const [frame, { width: W, height: H }] = useChartSize(CHART_BOUNDS.detail);
  const bins = 30;
  const ha = useMemo(() => (a ? histogram(a, bins, [0, xMax]) : null), [a, xMax]);
  const hb = useMemo(() => (b ? histogram(b, bins, [0, xMax]) : null), [b, xMax]);
  const top = Math.max(1, ...(ha ? Array.from(ha.counts) : []), ...(hb ? Array.from(hb.counts) : []));
  const x = scaleLinear().domain([0, xMax]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([0, top]).range([H - M.bottom, M.top]).nice();
  const bar = (h: ReturnType<typeof histogram>, side: 'A' | 'B') =>
    Array.from(h.counts, (count, i) => (count > 0 ? (
      <rect
        key={`${side}${i}`}
        x={x(h.edges[i]) + 0.5}
        width={Math.max(0, x(h.edges[i + 1]) - x(h.edges[i]) - 1)}
        y={y(count)}
        height={y(0) - y(count)}
        fill={side === 'A' ? SIDE_STYLE.A.fill : 'none'}
        fillOpacity={0.8}
        stroke={SIDE_STYLE[side].colour}
        strokeDasharray={SIDE_STYLE[side].dash}
      />
    ) : null));
  return (
    <ChartFrame title={`Histogram of SROPs, ${layer}`} description={`${[a && 'A filled', b && 'B dashed outline'].filter(Boolean).join(', ')}; x = SROP, y = maps`} filename={`srop-histogram-${layer}`} width={W} height={H} frameRef={frame} testId="histogram">
      {x.ticks(Math.max(3, Math.round(W / 80))).map((t) => (
        <text key={t} x={x(t)} y={H - M.bottom + 14} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>
      ))}
      <YGrid y={y} left={M.left} right={W - M.right} />
      {ha && bar(ha, 'A')}
      {hb && bar(hb, 'B')}
      <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>SROP (1 = Nyquist)</text>
      <text x={12} y={(M.top + H - M.bottom) / 2} transform={`rotate(-90 12 ${(M.top + H - M.bottom) / 2})`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>maps</text>
      <SideLegend x={W - M.right - 80} y={13} sides={[...(a ? ['A' as const] : []), ...(b ? ['B' as const] : [])]} />
    </ChartFrame>
  );
}
