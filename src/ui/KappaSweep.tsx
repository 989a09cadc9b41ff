// The kappa sweep: per compared layer, the A-vs-B Wasserstein distance and median shift against
// kappa from 0.50 to 0.99, from the profiles already measured (no FFT), the current kappa marked;
// which layer moves most at each kappa; the layers drawn chosen by the user (by default those that
// move most somewhere); CSV, SVG and PNG exports.
import { useMemo, useState } from 'react';
import { line, scaleLinear } from 'd3';
import type { LayerRow } from '../analysis/layerRows';
import type { SropParams } from '../analysis/srop';
import { kappaSweep, kappaSweepCsv, leaderRuns, mostMoved, type KappaSweep } from '../analysis/kappaSweep';
import { ChartFrame } from './charts/ChartFrame';
import { CHART_BOUNDS } from './charts/chartSize';
import { AXIS, YGrid, formatNumber } from './charts/theme';
import { useChartSize } from './charts/useWidth';
import { download, withProvenance } from './exporters';
import { exportFileName } from '../session/provenance';
import { useSession } from './useSession';

const PALETTE = ['#0a4f8c', '#b35c00', '#2a8c4a', '#8c2a6e', '#555555', '#6b4fbb', '#c23b22', '#1b9e9e'];
const M = { top: 14, right: 140, bottom: 40, left: 58 };

function SweepChart({ sweep, shown, kappa, value, title, axis, filename, testId, colourOf }: {
  sweep: KappaSweep;
  shown: string[];
  kappa: number;
  value: 'wasserstein' | 'medianShift';
  title: string;
  axis: string;
  filename: string;
  testId: string;
  colourOf: (layer: string) => string;
}) {
  // Sized by its container; the sweep itself is memoised by the panel, so a resize only redraws.
  const [frame, size] = useChartSize(CHART_BOUNDS.sweep);
  const W = size.width;
  const layers = sweep.layers.filter((l) => shown.includes(l.layer));
  const values = layers.flatMap((l) => l[value].filter((v): v is number => v !== null));
  const lo = Math.min(0, ...values), hi = Math.max(1e-6, ...values);
  // Tall enough for the legend (inside the SVG, so that the exports carry it).
  const H = Math.max(size.height, M.top + 13 * layers.length + 8);
  const x = scaleLinear().domain([sweep.kappas[0], sweep.kappas[sweep.kappas.length - 1]]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([lo, hi]).range([H - M.bottom, M.top]).nice();
  return (
    <ChartFrame title={title} description={`${axis} against kappa from ${sweep.kappas[0]} to ${sweep.kappas.at(-1)} for ${layers.length} layers; the current kappa ${kappa} marked`} filename={filename} width={W} height={H} testId={testId} frameRef={frame}>
      <YGrid y={y} left={M.left} right={W - M.right} zeroStroke="#999" format={(t) => formatNumber(t, Math.abs(hi - lo) < 0.05 ? 3 : 2)} />
      {x.ticks(Math.max(3, Math.round((W - M.left - M.right) / 70))).map((t) => <text key={t} x={x(t)} y={H - M.bottom + 14} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>)}
      <line x1={x(kappa)} x2={x(kappa)} y1={M.top} y2={H - M.bottom} stroke="#333" strokeDasharray="2 3" />
      <text x={x(kappa) + 3} y={M.top + 9} fontSize={AXIS.font - 1} fill="#333">κ = {kappa}</text>
      {layers.map((l) => (
        <path
          key={l.layer}
          className="sweep-line"
          data-layer={l.layer}
          d={line<number | null>().defined((v) => v !== null).x((_, i) => x(sweep.kappas[i])).y((v) => y(v!))(l[value]) ?? ''}
          fill="none"
          stroke={colourOf(l.layer)}
          strokeWidth={2}
        >
          <title>{l.layer}</title>
        </path>
      ))}
      {layers.map((l, k) => (
        <text key={l.layer} className="legend-entry" x={W - M.right + 8} y={M.top + 13 * k + 8} fontSize={10} fill={colourOf(l.layer)}>
          {l.layer.length > 22 ? `…${l.layer.slice(-21)}` : l.layer}
          <title>{l.tensor ?? l.layer}</title>
        </text>
      ))}
      <text x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>κ (share of kept energy)</text>
      <text x={12} y={(M.top + H - M.bottom) / 2} transform={`rotate(-90 12 ${(M.top + H - M.bottom) / 2})`} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{axis}</text>
    </ChartFrame>
  );
}

export function KappaSweepPanel({ rows, inputs, params }: { rows: LayerRow[]; inputs: { A: number | null; B: number | null }; params: SropParams }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  // Kappa itself does not change the sweep: the profiles and the other parameters do (cached per profiles).
  const sweep = useMemo(() => (open ? kappaSweep(rows, inputs.A, inputs.B, params) : null), [open, rows, inputs.A, inputs.B, params.dc, params.domain, params.interpolate]); // eslint-disable-line react-hooks/exhaustive-deps
  const [chosen, setChosen] = useState<string[] | null>(null);
  const all = sweep?.layers.map((l) => l.layer) ?? [];
  const shown = sweep ? (chosen ? all.filter((l) => chosen.includes(l)) : mostMoved(sweep)) : [];
  const colourOf = (layer: string) => PALETTE[all.indexOf(layer) % PALETTE.length];
  const runs = sweep ? leaderRuns(sweep) : [];
  const exportCsv = () => {
    if (!sweep) return;
    const p = session.provenance();
    download(new Blob([withProvenance(p, kappaSweepCsv(sweep))], { type: 'text/csv' }), exportFileName('kappa-sweep', p, 'csv'));
  };
  return (
    <section className="panel" aria-labelledby="sweep-heading" data-testid="kappa-sweep">
      <h2 id="sweep-heading">Kappa sweep</h2>
      <p className="hint">
        A against B at every κ from 0.50 to 0.99, per layer, from the ring profiles already measured (no FFT): which layers move most can change with κ.
      </p>
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>Sweep κ</button>
      ) : sweep && sweep.layers.length === 0 ? (
        <p className="hint">No layer is compared (both sides, the same channels): nothing to sweep.</p>
      ) : sweep && (
        <>
          <p data-testid="sweep-leaders">
            Moves most (Wasserstein):{' '}
            {runs.map((r, i) => (
              <span key={i}>{i > 0 ? '; ' : ''}<strong>{r.layer}</strong> for κ {r.from === r.to ? r.from : `${r.from.toFixed(2)}–${r.to.toFixed(2)}`}</span>
            ))}
          </p>
          <details className="layer-choice" data-testid="sweep-layers">
            <summary>Layers drawn: {shown.length} of {all.length}</summary>
            <button type="button" onClick={() => setChosen([...all])}>all</button>{' '}
            <button type="button" onClick={() => setChosen(mostMoved(sweep))}>most moved</button>{' '}
            <button type="button" onClick={() => setChosen([])}>none</button>
            <div className="candidate-list">
              {all.map((l) => (
                <label key={l} className="candidate">
                  <input type="checkbox" checked={shown.includes(l)} onChange={(e) => setChosen(e.target.checked ? [...shown, l] : shown.filter((x) => x !== l))} />{' '}
                  <span style={{ color: colourOf(l) }}>■</span> {l}
                </label>
              ))}
            </div>
          </details>
          <div className="chart-grid sweep-charts">
            <SweepChart sweep={sweep} shown={shown} kappa={params.kappa} value="wasserstein" title="Wasserstein distance A vs B against κ" axis="Wasserstein" filename="kappa-sweep-wasserstein" testId="sweep-wasserstein" colourOf={colourOf} />
            <SweepChart sweep={sweep} shown={shown} kappa={params.kappa} value="medianShift" title="Median shift (B - A) against κ" axis="median shift" filename="kappa-sweep-median-shift" testId="sweep-median" colourOf={colourOf} />
          </div>
          <span className="exports"><button type="button" onClick={exportCsv}>Export kappa sweep as CSV</button></span>
        </>
      )}
    </section>
  );
}
