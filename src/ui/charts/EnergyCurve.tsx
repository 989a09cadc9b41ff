// Cumulative share of the kept energy against the radius (1 = Nyquist): a layer's median curve with
// its interquartile band for A and B, or one map's curve with its SROP marked; the kappa line.
import { area, line, scaleLinear } from 'd3';
import type { EnergyBand, SropMark } from '../../analysis/layerDetail';
import { ChartFrame } from './ChartFrame';
import { CHART_BOUNDS } from './chartSize';
import { AXIS, SIDE_STYLE, SideLegend } from './theme';
import { useChartSize } from './useWidth';
import type { SideName } from '../../session/workspace';

const M = { top: 22, right: 12, bottom: 36, left: 52 };

export interface CurveSide {
  side: SideName;
  band: EnergyBand;
  /** For one map: its SROP, marked on the curve. */
  mark?: SropMark | null;
}

export function EnergyCurve({ title, filename, curves, kappa, testId = 'energy-curve' }: { title: string; filename: string; curves: CurveSide[]; kappa: number; testId?: string }) {
  // Sized by its container; the bands come memoised from the caller, so a resize only redraws.
  const [frame, { width: W, height: H }] = useChartSize(CHART_BOUNDS.detail);
  const xMax = Math.max(1, ...curves.map((c) => c.band.radius[c.band.radius.length - 1] ?? 1));
  const x = scaleLinear().domain([0, xMax]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([0, 1]).range([H - M.bottom, M.top]);
  const points = (band: EnergyBand, values: Float64Array) => Array.from(band.radius, (r, i) => ({ r, v: values[i] })).filter((p) => !Number.isNaN(p.v));
  return (
    <ChartFrame title={title} description={`cumulative kept energy against radius; kappa ${kappa}; ${curves.map((c) => `${c.side} ${c.side === 'A' ? 'solid' : 'dashed'}`).join(', ')}`} filename={filename} width={W} height={H} frameRef={frame} testId={testId}>
      {x.ticks(Math.max(3, Math.round(W / 80))).map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} stroke={t === 1 ? '#999' : AXIS.grid} strokeDasharray={t === 1 ? '2 2' : undefined} />
          <text x={x(t)} y={H - M.bottom + 14} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>
        </g>
      ))}
      {y.ticks(4).map((t) => (
        <text key={t} x={M.left - 4} y={y(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>
      ))}
      <line x1={M.left} x2={W - M.right} y1={y(kappa)} y2={y(kappa)} stroke="#333" strokeDasharray="1 3" />
      <text x={W - M.right} y={y(kappa) - 4} textAnchor="end" fontSize={AXIS.font} fill="#333">κ = {kappa}</text>
      {curves.map(({ side, band, mark }) => {
        const style = SIDE_STYLE[side];
        const iqr = area<{ r: number; lo: number; hi: number }>()
          .x((p) => x(p.r))
          .y0((p) => y(p.lo))
          .y1((p) => y(p.hi))(Array.from(band.radius, (r, i) => ({ r, lo: band.q1[i], hi: band.q3[i] })).filter((p) => !Number.isNaN(p.lo)));
        const median = line<{ r: number; v: number }>()
          .x((p) => x(p.r))
          .y((p) => y(p.v))(points(band, band.median));
        return (
          <g key={side}>
            {band.maps > 1 && <path d={iqr ?? ''} fill={style.fill} fillOpacity={side === 'A' ? 0.3 : 0.25} stroke="none" />}
            <path d={median ?? ''} fill="none" stroke={style.colour} strokeWidth={2} strokeDasharray={style.dash} />
            {mark && (
              <g data-testid={`srop-mark-${side}`}>
                {!mark.interpolated && (
                  // Interpolation off: the SROP is the centre of the ring whose segment crosses kappa.
                  <line x1={x(mark.span[0])} x2={x(mark.span[1])} y1={y(mark.spanY[0])} y2={y(mark.spanY[1])} stroke={style.colour} strokeOpacity={0.35} strokeWidth={7} strokeLinecap="round">
                    <title>{`roll-off ring: radius ${mark.span[0].toFixed(3)} to ${mark.span[1].toFixed(3)}; the SROP is its centre`}</title>
                  </line>
                )}
                <line x1={x(mark.x)} x2={x(mark.x)} y1={y(0)} y2={y(mark.y)} stroke={style.colour} strokeDasharray={style.dash} />
                <circle cx={x(mark.x)} cy={y(mark.y)} r={4} fill={side === 'A' ? style.colour : '#fff'} stroke={style.colour} strokeWidth={1.5} />
              </g>
            )}
          </g>
        );
      })}
      <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>radius (1 = Nyquist)</text>
      <text x={12} y={(M.top + H - M.bottom) / 2} transform={`rotate(-90 12 ${(M.top + H - M.bottom) / 2})`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>share of kept energy</text>
      <SideLegend x={M.left + 6} y={13} sides={curves.map((c) => c.side)} />
    </ChartFrame>
  );
}
