// The training view across structures: several checkpoint series at once, one colour per series
// (structure or run); each series' layers in its colour, deeper layers darker; the accuracy of each
// series below; a per-layer Spearman table per series; a long-format CSV (one row per series,
// checkpoint and layer).
import { line, scaleLinear, scaleSymlog } from 'd3';
import { csvField } from '../analysis/format';
import type { TrainingResult } from '../session/labStore';
import { ChartFrame } from './charts/ChartFrame';
import { CHART_BOUNDS } from './charts/chartSize';
import { seriesColour, seriesDash } from './charts/palette';
import { AXIS, formatNumber } from './charts/theme';
import { useChartSize } from './charts/useWidth';

export function TrainingSeriesChart({ result }: { result: TrainingResult }) {
  // Sized by its container (a resize only redraws); tall enough for the series' legend.
  const [frame, size] = useChartSize(CHART_BOUNDS.lab);
  const A = 120, M = { top: 12, right: 280, bottom: 42, left: 50 };
  const W = size.width, H = Math.max(size.height, 360, M.top + 13 * result.series.length + A + M.bottom);
  const steps = [...new Set(result.series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const x = scaleSymlog().constant(10).domain([steps[0], steps.at(-1)!]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([0, Math.max(1, ...result.series.flatMap((s) => s.points.flatMap((p) => p.median.map((v) => v ?? 0))))]).range([H - A - M.bottom, M.top]);
  const ya = scaleLinear().domain([0, 1]).range([H - M.bottom, H - A + 10]);
  return (
    <ChartFrame
      title="SROPs and accuracy over training, by structure"
      description={`median SROP of each layer (one colour per series, deeper layers darker) and held-out accuracy, for ${result.series.length} checkpoint series`}
      filename="training-series"
      width={W}
      height={H}
      testId="training-series-chart"
      frameRef={frame}
    >
      {result.series.map((s, k) => {
        const colour = seriesColour(k);
        const withAccuracy = s.points.filter((p) => p.accuracy !== null);
        return (
          <g key={s.name} className="training-series" data-series={s.name}>
            {s.layers.map((layer, l) => {
              const pts = s.points.filter((p) => p.median[l] !== null);
              const opacity = 0.35 + (0.65 * (l + 1)) / s.layers.length;
              return (
                <g key={layer}>
                  <path d={line<(typeof pts)[number]>().x((p) => x(p.step)).y((p) => y(p.median[l]!))(pts) ?? ''} fill="none" stroke={colour} strokeOpacity={opacity} strokeDasharray={seriesDash(k)} strokeWidth={1.5} />
                  {pts.map((p) => (
                    <circle key={p.step} className="series-median" data-series={s.name} data-layer={layer} data-step={p.step} data-median={p.median[l]!} cx={x(p.step)} cy={y(p.median[l]!)} r={2} fill={colour} fillOpacity={opacity}>
                      <title>{`${s.name}, ${layer} (layer ${l + 1} of ${s.layers.length}), step ${p.step}: median SROP ${formatNumber(p.median[l], 4)}`}</title>
                    </circle>
                  ))}
                </g>
              );
            })}
            <path d={line<(typeof withAccuracy)[number]>().x((p) => x(p.step)).y((p) => ya(p.accuracy!))(withAccuracy) ?? ''} fill="none" stroke={colour} strokeDasharray={seriesDash(k)} strokeWidth={2} />
            {withAccuracy.map((p) => (
              <circle key={p.step} className="series-accuracy" data-series={s.name} data-step={p.step} data-accuracy={p.accuracy!} cx={x(p.step)} cy={ya(p.accuracy!)} r={3} fill={colour}>
                <title>{`${s.name}, step ${p.step}: accuracy ${p.accuracy}`}</title>
              </circle>
            ))}
            <text x={W - M.right + 6} y={M.top + 13 * k + 8} fontSize={10} fill={colour}>{`${s.name} (${s.layers.length} layers)`}</text>
          </g>
        );
      })}
      {y.ticks(4).map((t) => <text key={t} x={M.left - 4} y={y(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>)}
      <text x={14} y={(H - A) / 2} fontSize={AXIS.font} fill={AXIS.colour} transform={`rotate(-90 14 ${(H - A) / 2})`} textAnchor="middle">median SROP</text>
      {[0, 0.5, 1].map((t) => <text key={t} x={M.left - 4} y={ya(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>)}
      <text x={W - M.right + 6} y={ya(0.5)} fontSize={10} fill="#222">accuracy</text>
      {steps.map((step) => <text key={step} x={x(step)} y={H - M.bottom + 14} textAnchor="middle" fontSize={9} fill={AXIS.colour}>{step}</text>)}
      <text x={(M.left + W - M.right) / 2} y={H - 6} fontSize={AXIS.font} fill={AXIS.colour} textAnchor="middle">training step (symlog)</text>
    </ChartFrame>
  );
}

export function TrainingSeriesTables({ result }: { result: TrainingResult }) {
  return (
    <div className="chart-row">
      {result.series.map((s, k) => (
        <table key={s.name} data-testid="training-series-spearman" data-series={s.name}>
          <caption style={{ color: seriesColour(k) }}>{s.name}: Spearman correlation between each layer's median SROP and the accuracy, across its {s.points.length} checkpoints</caption>
          <thead><tr><th scope="col">layer</th><th scope="col">depth</th><th scope="col">Spearman</th></tr></thead>
          <tbody>{s.layers.map((l, i) => <tr key={l}><td>{l}</td><td>{i + 1}/{s.layers.length}</td><td>{formatNumber(s.spearman[i])}</td></tr>)}</tbody>
        </table>
      ))}
    </div>
  );
}

/** One row per series, checkpoint and layer (the series name their layers differently). */
export function trainingSeriesCsv(result: TrainingResult): string {
  const rows = result.series.flatMap((s) =>
    s.points.flatMap((p) => s.layers.map((layer, l) => [csvField(s.name), csvField(p.file), p.step, csvField(p.accuracy), csvField(layer), `${l + 1}/${s.layers.length}`, csvField(p.median[l]), csvField(p.q1[l]), csvField(p.q3[l]), csvField(s.spearman[l])].join(','))),
  );
  return [`# experiment: training`, `# image: ${result.image}`, 'series,file,step,accuracy,layer,depth,median,q1,q3,spearman', ...rows].join('\n') + '\n';
}
