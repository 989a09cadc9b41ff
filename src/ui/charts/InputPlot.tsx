// One layer's inputs: each input's median SROP over its channels on A (left, filled) and on B
// (right, open), joined input by input when the test pairs them; each side's median of those
// medians as a bar. What the statistics across inputs test (spec/SROP.md §6a).
import { scaleLinear } from 'd3';
import type { InputComparison } from '../../analysis/inputStats';
import { ChartFrame } from './ChartFrame';
import { CHART_BOUNDS } from './chartSize';
import { AXIS, SIDE_STYLE, YGrid, formatNumber, formatP } from './theme';
import { useChartSize } from './useWidth';

const M = { top: 12, right: 24, bottom: 36, left: 44 };

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function InputPlot({ layer, stats }: { layer: string; stats: InputComparison }) {
  const [frame, { width: W, height: H }] = useChartSize(CHART_BOUNDS.inputs);
  const { medians_a: ma, medians_b: mb } = stats;
  // pairs is set only where the inputs were paired (even with too few pairs for a test).
  const paired = stats.pairs !== null;
  const live = (v: Float64Array) => Array.from(v).filter((x) => !Number.isNaN(x));
  const all = [...live(ma), ...live(mb)];
  const lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  const pad = (hi - lo) * 0.08 || 0.05;
  const y = scaleLinear().domain([Math.max(0, lo - pad), hi + pad]).range([H - M.bottom, M.top]).nice();
  const xA = M.left + (W - M.left - M.right) * 0.25, xB = M.left + (W - M.left - M.right) * 0.75;
  // Unpaired: the inputs spread a little sideways (by index) so that equal values stay visible.
  const spread = (i: number, n: number) => (paired || n < 2 ? 0 : ((i / (n - 1)) - 0.5) * 24);
  const medianA = median(live(ma)), medianB = median(live(mb));
  const p = stats.p_value === null ? 'no p-value' : `p ${formatP(stats.p_value)}, p Holm ${formatP(stats.p_holm)}`;
  const description = `${stats.inputs_a} inputs on A, ${stats.inputs_b} on B; y = median SROP of an input's channels; ${paired ? 'lines join input i of A and of B' : 'unpaired'}; test ${stats.test}, ${p}`;
  return (
    <ChartFrame title={`Median SROP per input, ${layer}`} description={description} filename={`srop-inputs-${layer}`} width={W} height={H} testId="input-plot" frameRef={frame}>
      <YGrid y={y} left={M.left} right={W - M.right} ticks={5} />
      {paired &&
        Array.from(ma, (a, i) => (Number.isNaN(a) || Number.isNaN(mb[i]) ? null : (
          <line key={`pair${i}`} data-pair={i} x1={xA} y1={y(a)} x2={xB} y2={y(mb[i])} stroke={mb[i] > a ? SIDE_STYLE.B.colour : SIDE_STYLE.A.colour} strokeOpacity={0.45} strokeWidth={1} />
        )))}
      {([['A', ma, xA], ['B', mb, xB]] as const).map(([side, values, x]) => (
        <g key={side}>
          {Array.from(values, (v, i) => (Number.isNaN(v) ? null : (
            <circle key={i} data-side={side} data-input={i} cx={x + spread(i, values.length)} cy={y(v)} r={3} fill={side === 'A' ? SIDE_STYLE.A.fill : '#fff'} stroke={SIDE_STYLE[side].colour} strokeWidth={1.2}>
              <title>{`${side}, input ${i}: median SROP ${formatNumber(v)}`}</title>
            </circle>
          )))}
          {(side === 'A' ? medianA : medianB) !== null && (
            <line x1={x - 16} x2={x + 16} y1={y((side === 'A' ? medianA : medianB)!)} y2={y((side === 'A' ? medianA : medianB)!)} stroke={SIDE_STYLE[side].colour} strokeWidth={2.5} strokeDasharray={SIDE_STYLE[side].dash} />
          )}
          <text x={x} y={H - M.bottom + 16} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{`${side} (${side === 'A' ? stats.inputs_a : stats.inputs_b})`}</text>
        </g>
      ))}
      <text transform={`translate(12 ${(H - M.bottom + M.top) / 2}) rotate(-90)`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>input median SROP</text>
      <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{`${stats.test}, ${p}`}</text>
    </ChartFrame>
  );
}
