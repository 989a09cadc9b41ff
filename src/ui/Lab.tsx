// The sanity-check lab: the paper's experiments on the loaded model and A's image (input, parameters,
// training, architecture), each with its plots (SVG and PNG) and its numbers (CSV and JSON).
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { interpolateViridis, line, scaleLinear, scaleSymlog, area } from 'd3';
import { layerRows, linearGrid, sropAxisMax } from '../analysis/layerRows';
import { csvField } from '../analysis/format';
import { defaultLayers, occlusionDefaults, occlusionEstimate, occlusionGrid } from '../analysis/lab';
import type { Checkpoint, LabStore, OcclusionFill, OcclusionResult, RandomisationResult, TrainingResult } from '../session/labStore';
import { checkpointsFrom, parseAccuracyTable } from '../session/labStore';
import type { ModelState } from '../session/modelStore';
import { ChartFrame } from './charts/ChartFrame';
import { CHART_BOUNDS, RASTER_BOUNDS, rasterSide } from './charts/chartSize';
import { Overview } from './charts/Overview';
import { AXIS, YGrid, formatNumber } from './charts/theme';
import { useChartSize, useElementWidth } from './charts/useWidth';
import { download, withProvenance } from './exporters';
import { exportFileName } from '../session/provenance';
import { useSession } from './useSession';
import { occlusionCsv, randomisationCsv, randomisationJson } from './labExports';
import { ArchitectureView, useDemoStructures } from './ArchitectureView';
import { fetchDemoFile } from '../session/demoStructures';
import { TrainingSeriesChart, TrainingSeriesTables, trainingSeriesCsv } from './TrainingSeries';

const PALETTE = ['#0a4f8c', '#b35c00', '#2a8c4a', '#8c2a6e', '#555555', '#6b4fbb', '#c23b22', '#1b9e9e'];
const layerColour = (i: number) => PALETTE[i % PALETTE.length];
const dash = (i: number) => (i < PALETTE.length ? undefined : '4 2');

function exportButtons(lab: LabStore, name: string, csv: () => string, json: () => Record<string, unknown>) {
  return <LabExports lab={lab} name={name} csv={csv} json={json} />;
}

/** A lab experiment's CSV and JSON, each with the page's provenance and a file name carrying the model and kappa. */
function LabExports({ lab, name, csv, json }: { lab: LabStore; name: string; csv: () => string; json: () => Record<string, unknown> }) {
  const session = useSession();
  return (
    <span className="exports">
      <button type="button" onClick={() => { const p = session.provenance(); download(new Blob([withProvenance(p, csv())], { type: 'text/csv' }), exportFileName(name, p, 'csv')); }}>Export {name} as CSV</button>
      <button type="button" onClick={() => { const p = session.provenance(); download(new Blob([JSON.stringify({ provenance: p, ...json(), sropParams: lab.params() }, null, 1)], { type: 'application/json' }), exportFileName(name, p, 'json')); }}>Export {name} as JSON</button>
    </span>
  );
}

/** Legend text cut at its front to `chars` characters (the end tells layers apart). */
function legendText(name: string, chars: number): string {
  return name.length > chars ? `…${name.slice(-(chars - 1))}` : name;
}

/**
 * Which layers a lab chart draws: a few spread through the network by default (defaultLayers),
 * any set the user ticks. Names are the page's short ones (the tensor on hover).
 */
function useLayerChoice(layers: string[]): [string[], (next: string[]) => void] {
  const [chosen, setChosen] = useState<string[] | null>(null);
  const shown = chosen ? layers.filter((l) => chosen.includes(l)) : defaultLayers(layers);
  return [shown, setChosen];
}

function LayerChoice({ layers, shown, onChange, labelOf, testId }: { layers: string[]; shown: string[]; onChange: (next: string[]) => void; labelOf: (tensor: string) => string; testId: string }) {
  return (
    <details className="layer-choice" data-testid={testId}>
      <summary>Layers drawn: {shown.length} of {layers.length}</summary>
      <button type="button" onClick={() => onChange([...layers])}>all</button>{' '}
      <button type="button" onClick={() => onChange(defaultLayers(layers))}>a few</button>{' '}
      <button type="button" onClick={() => onChange([])}>none</button>
      <div className="candidate-list">
        {layers.map((l, i) => (
          <label key={l} className="candidate" title={l}>
            <input type="checkbox" checked={shown.includes(l)} onChange={(e) => onChange(e.target.checked ? [...shown, l] : shown.filter((x) => x !== l))} />{' '}
            <span style={{ color: layerColour(i) }}>■</span> {labelOf(l)}
          </label>
        ))}
      </div>
    </details>
  );
}

/** Room right of a heatmap (px): its colour bar, the bar's values and its title. */
const HEATMAP_SCALE_ROOM = 86;

function Heatmap({ title, result, values, filename, image, unit }: { title: string; result: OcclusionResult; values: number[]; filename: string; image: string | null; unit: string }) {
  // Its longer side from the frame's width (two heatmaps share a row where there is room), bounded
  // whatever the input size (RASTER_BOUNDS.heatmap): a 224-px model and the 28-px demo alike.
  const [frame, available] = useElementWidth<HTMLElement>(0);
  const scale = rasterSide(available, HEATMAP_SCALE_ROOM, RASTER_BOUNDS.heatmap.minSide, RASTER_BOUNDS.heatmap.maxSide) / Math.max(result.width, result.height);
  const W = result.width * scale, H = result.height * scale;
  const finite = values.filter((v) => Number.isFinite(v));
  const lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 0;
  const colour = (v: number) => (Number.isFinite(v) ? interpolateViridis(hi > lo ? (v - lo) / (hi - lo) : 0.5) : '#ccc');
  const cell = Math.max(1, result.stride);
  const gradient = `heat-${filename}`;
  const M = { top: 8, bottom: 8 };
  const barX = W + 12, barW = 12;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <ChartFrame title={title} description={`${result.positions.length} patch positions${result.partial ? ` (partial: ${result.partial.done} of ${result.partial.total}, cancelled)` : ''}, ${unit} from ${formatNumber(lo)} to ${formatNumber(hi)}; colour scale beside it, bright is high`} filename={filename} width={Math.ceil(W + HEATMAP_SCALE_ROOM)} height={Math.ceil(H + M.top + M.bottom)} testId={`heatmap-${filename}`} frameRef={frame}>
      <g transform={`translate(0 ${M.top})`}>
        {image && <image href={image} width={W} height={H} opacity={0.35} style={{ imageRendering: 'pixelated' }} preserveAspectRatio="none" />}
        {result.positions.map((p, i) => (
          <rect
            key={i}
            className="heat-cell"
            x={(p.x + result.patch / 2 - cell / 2) * scale}
            y={(p.y + result.patch / 2 - cell / 2) * scale}
            width={cell * scale}
            height={cell * scale}
            fill={colour(values[i])}
            fillOpacity={0.8}
          >
            <title>{`patch at (${p.x}, ${p.y}): ${formatNumber(values[i], 4)}`}</title>
          </rect>
        ))}
        <defs>
          <linearGradient id={gradient} x1="0" y1="1" x2="0" y2="0">
            {ticks.map((t) => <stop key={t} offset={t} stopColor={interpolateViridis(t)} />)}
          </linearGradient>
        </defs>
        <rect className="colour-scale" x={barX} y={0} width={barW} height={H} fill={`url(#${gradient})`} stroke="#999" strokeWidth={0.5} />
        {ticks.map((t) => (
          <g key={t}>
            <line x1={barX + barW} x2={barX + barW + 3} y1={(1 - t) * H} y2={(1 - t) * H} stroke="#666" />
            <text x={barX + barW + 5} y={(1 - t) * H} dy="0.32em" fontSize={AXIS.font - 1} fill={AXIS.colour}>{formatNumber(lo + t * (hi - lo), 3)}</text>
          </g>
        ))}
        <text transform={`translate(${W + 84} ${H / 2}) rotate(-90)`} textAnchor="middle" fontSize={AXIS.font - 1} fill={AXIS.colour}>{unit}</text>
      </g>
    </ChartFrame>
  );
}

function imageUrl(model: ModelState): string | null {
  const img = model.inputs.A?.image;
  if (!img || typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  return canvas.toDataURL('image/png');
}

function OcclusionView({ lab, model, result }: { lab: LabStore; model: ModelState; result: OcclusionResult | null }) {
  // Defaults scaled to the model's input, set again when the input size changes.
  const size = { width: model.preprocessing?.width ?? 28, height: model.preprocessing?.height ?? 28 };
  const defaults = occlusionDefaults(size.width, size.height);
  const [patch, setPatch] = useState(defaults.patch);
  const [stride, setStride] = useState(defaults.stride);
  useEffect(() => {
    setPatch(defaults.patch);
    setStride(defaults.stride);
  }, [size.width, size.height]); // eslint-disable-line react-hooks/exhaustive-deps
  const planned = occlusionGrid(size.width, size.height, Math.min(patch, Math.min(size.width, size.height)), stride).length;
  const estimate = occlusionEstimate(planned, model.timings.A);
  const [fill, setFill] = useState<OcclusionFill>('zero');
  const [summed, setSummed] = useState<string[] | null>(null);
  const layers = model.selected;
  const chosen = summed?.filter((l) => layers.includes(l)) ?? layers;
  const picture = useMemo(() => imageUrl(model), [model.inputs.A]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div data-testid="lab-occlusion">
      <p className="hint">Slides a patch over A's image; at each position, the change of the layer-wise SROP distributions (Wasserstein distance to the unoccluded image, summed over the chosen layers) and the drop in the predicted class's probability.</p>
      <div className="lab-controls">
        <label>patch <input type="number" aria-label="Patch size" min={1} value={patch} onChange={(e) => setPatch(Math.max(1, Number(e.target.value) || 1))} style={{ width: '4em' }} /></label>
        <label>stride <input type="number" aria-label="Stride" min={1} value={stride} onChange={(e) => setStride(Math.max(1, Number(e.target.value) || 1))} style={{ width: '4em' }} /></label>
        <label>
          fill{' '}
          <select aria-label="Fill" value={fill} onChange={(e) => setFill(e.target.value as OcclusionFill)}>
            <option value="zero">zero</option>
            <option value="mean">mean</option>
            <option value="blur">blur</option>
            <option value="noise">noise</option>
          </select>
        </label>
        <span>
          layers summed:{' '}
          {layers.map((l) => (
            <label key={l} className="candidate">
              <input type="checkbox" checked={chosen.includes(l)} onChange={(e) => setSummed(e.target.checked ? [...chosen, l] : chosen.filter((x) => x !== l))} /> <span title={l}>{model.candidates.find((c) => c.tensor === l)?.label ?? l}</span>
            </label>
          ))}
        </span>
        <button type="button" onClick={() => void lab.runOcclusion({ patch, stride, fill, summed: chosen })}>Run occlusion</button>
        <span className="hint" data-testid="occlusion-plan" role="status">
          {planned} positions on the {size.width} x {size.height} input
          {estimate !== null ? `; about ${estimate < 90 ? `${Math.max(1, Math.round(estimate))} s` : `${Math.round(estimate / 60)} min`} here (one forward pass of A took ${formatNumber(model.timings.A, 3)} s)` : '; the time shows once A has run'}
          {' '}(defaults: patch {defaults.patch}, stride {defaults.stride}, an eighth of the side and half of that)
        </span>
      </div>
      {result && (
        <>
          {result.partial && (
            <p className="notice" data-testid="occlusion-partial">
              Partial: cancelled after {result.partial.done} of {result.partial.total} positions; the heatmaps and the exports hold those only.
            </p>
          )}
          <p data-testid="occlusion-correlation" role="status">
            {result.positions.length} positions{result.partial ? ' (partial)' : ''} ({result.batch > 1 ? `batches of ${result.batch}` : 'one image per run'}), predicted class {result.predictedClass}: correlation across positions, Pearson{' '}
            <strong>{formatNumber(result.pearson)}</strong>, Spearman <strong>{formatNumber(result.spearman)}</strong>
          </p>
          <div className="chart-grid">
            <Heatmap title="SROP change (summed Wasserstein)" result={result} values={result.sropChange} filename="occlusion-srop-change" image={picture} unit="summed Wasserstein" />
            <Heatmap title="Drop in the predicted class's probability" result={result} values={result.probabilityDrop} filename="occlusion-probability-drop" image={picture} unit="probability drop" />
          </div>
          {exportButtons(
            lab,
            'occlusion',
            () => occlusionCsv(result, lab.params()),
            () => ({ experiment: 'occlusion', params: { patch: result.patch, stride: result.stride, fill: result.fill, summed: result.summed }, ...result }),
          )}
        </>
      )}
    </div>
  );
}

/** The randomisation summary: each drawn layer's Wasserstein distance to the trained model against the step. */
function RandomisationChart({ result, shownLayers, labelOf }: { result: RandomisationResult; shownLayers: string[]; labelOf: (tensor: string) => string }) {
  // Sized by its container; the distances are the result's, so a resize only redraws.
  const [frame, size] = useChartSize(CHART_BOUNDS.lab);
  const W = size.width, M = { top: 12, right: 160, bottom: 60, left: 70 };
  // Tall enough for the legend of the layers drawn.
  const H = Math.max(size.height, M.top + 13 * shownLayers.length + 8);
  const x = scaleLinear().domain([0, Math.max(1, result.steps.length - 1)]).range([M.left, W - M.right]);
  const top = Math.max(1e-6, ...result.steps.flatMap((s) => s.distance.map((d) => d ?? 0)));
  const y = scaleLinear().domain([0, top]).range([H - M.bottom, M.top]).nice();
  return (
    <ChartFrame title={`Per-layer SROP change against the randomisation step (${result.mode})`} description={`Wasserstein distance of the SROPs of ${shownLayers.length} of ${result.layers.length} feature layers to the trained model's, for ${result.steps.length} steps`} filename="randomisation-summary" width={W} height={H} testId="randomisation-summary" frameRef={frame}>
      <YGrid y={y} left={M.left} right={W - M.right} />
      {result.steps.map((s, i) => (
        <text key={i} x={x(i)} y={H - M.bottom + 12} fontSize={9} fill={AXIS.colour} textAnchor="end" transform={`rotate(-30 ${x(i)} ${H - M.bottom + 12})`}>{s.label}</text>
      ))}
      {result.layers.map((layer, l) => {
        const k = shownLayers.indexOf(layer);
        if (k < 0) return null;
        return (
          <g key={layer} className="lab-line">
            <path d={line<number>().x((_, i) => x(i)).y((d) => y(d))(result.steps.map((s) => s.distance[l] ?? 0)) ?? ''} fill="none" stroke={layerColour(l)} strokeDasharray={dash(l)} strokeWidth={2} />
            <text className="legend-entry" x={W - M.right + 6} y={M.top + 13 * k + 8} fontSize={10} fill={layerColour(l)}>{legendText(labelOf(layer), 24)}<title>{layer}</title></text>
          </g>
        );
      })}
      <text x={14} y={(H - M.bottom) / 2} fontSize={AXIS.font} fill={AXIS.colour} transform={`rotate(-90 14 ${(H - M.bottom) / 2})`} textAnchor="middle">Wasserstein</text>
    </ChartFrame>
  );
}

function RandomisationView({ lab, result, labelOf }: { lab: LabStore; result: RandomisationResult | null; labelOf: (tensor: string) => string }) {
  const [mode, setMode] = useState<'cascading' | 'independent'>('cascading');
  const [shownLayers, setShownLayers] = useLayerChoice(result?.layers ?? []);
  const [stepIndex, setStepIndex] = useState(0);
  const stepNumber = Math.min(stepIndex, (result?.steps.length ?? 1) - 1) + 1;
  const step = result?.steps[stepNumber - 1] ?? null;
  const rows = useMemo(() => (result && step ? layerRows(result.trained, step.results, null, null, linearGrid(0, 1.5, 64)) : []), [result, step]);
  const chart = result && <RandomisationChart result={result} shownLayers={shownLayers} labelOf={labelOf} />;
  return (
    <div data-testid="lab-randomisation">
      <p className="hint">Re-draws weights with each tensor's own trained mean and std, from a uniform distribution where the trained values look uniform (excess kurtosis below -0.9) and a Gaussian otherwise (fixed seed): cascading from the last weight layer towards the first, or one layer at a time, and compares each feature layer's SROPs with the trained model's on A's image.</p>
      <div className="lab-controls">
        <label>
          mode{' '}
          <select aria-label="Randomisation" value={mode} onChange={(e) => setMode(e.target.value as 'cascading' | 'independent')}>
            <option value="cascading">cascading</option>
            <option value="independent">independent (one layer)</option>
          </select>
        </label>
        <button type="button" onClick={() => void lab.runRandomisation(mode)}>Run randomisation</button>
      </div>
      {result && result.notRandomised.length > 0 && (
        <div className="notice" role="status" data-testid="randomisation-notice">
          Not randomised ({result.notRandomised.length}); distances of the layers they feed can read 0 because of them:
          <ul>{result.notRandomised.map((s) => <li key={`${s.layer}|${s.initializer}`}>{s.layer}{s.initializer ? ` / ${s.initializer}` : ''}: {s.reason}</li>)}</ul>
        </div>
      )}
      {result && (
        <>
          <LayerChoice layers={result.layers} shown={shownLayers} onChange={setShownLayers} labelOf={labelOf} testId="randomisation-layers" />
          <div className="chart-grid single">{chart}</div>
          <label>
            step{' '}
            <select aria-label="Randomisation step" value={stepIndex} onChange={(e) => setStepIndex(Number(e.target.value))}>
              {result.steps.map((s, i) => <option key={i} value={i}>{i + 1}: {s.label}</option>)}
            </select>
          </label>
          {step && (
            <Overview
              rows={rows}
              grid={linearGrid(0, 1.5, 64)}
              yMax={sropAxisMax(rows)}
              selected={null}
              onSelect={() => undefined}
              title={`SROP distributions per layer, trained against randomised, step ${stepNumber}: ${step.label}`}
              description={`left half: trained model; right half: randomised (${step.randomised.join(', ')}); lines join the medians; 1 is the Nyquist radius`}
              filename={`randomisation-step-${stepNumber}`}
              testId="randomisation-overview"
              sideNames={{ a: 'trained', b: 'randomised' }}
            />
          )}
          {exportButtons(
            lab,
            'randomisation',
            () => randomisationCsv(result, lab.params()),
            () => randomisationJson(result, lab.params()),
          )}
        </>
      )}
    </div>
  );
}

/** One checkpoint series: each drawn layer's median SROP (band: quartiles) and the accuracy against the step. */
function TrainingChart({ result, shownLayers, labelOf }: { result: TrainingResult; shownLayers: string[]; labelOf: (tensor: string) => string }) {
  // Sized by its container; a resize only redraws. bottom: the step labels, and the axis title below them.
  const [frame, size] = useChartSize(CHART_BOUNDS.lab);
  const W = size.width, A = 110, M = { top: 12, right: 170, bottom: 42, left: 50 };
  const H = Math.max(size.height, 310, M.top + 13 * shownLayers.length + A + M.bottom);
  const steps = result.points.map((p) => p.step);
  const x = scaleSymlog().constant(10).domain([Math.min(...steps), Math.max(...steps)]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([0, Math.max(1, ...result.points.flatMap((p) => p.q3.map((v) => v ?? 0)))]).range([H - A - M.bottom, M.top]);
  const ya = scaleLinear().domain([0, 1]).range([H - M.bottom, H - A + 10]);
  return (
    <ChartFrame title="SROPs and accuracy over training" description={`median SROP per layer with its interquartile band, and held-out accuracy, at ${result.points.length} checkpoints`} filename="training" width={W} height={H} testId="training-chart" frameRef={frame}>
      {result.layers.map((layer, l) => {
        const k = shownLayers.indexOf(layer);
        if (k < 0) return null;
        const pts = result.points.filter((p) => p.median[l] !== null);
        return (
          <g key={layer} className="lab-line">
            <path d={area<(typeof pts)[number]>().x((p) => x(p.step)).y0((p) => y(p.q1[l] ?? 0)).y1((p) => y(p.q3[l] ?? 0))(pts) ?? ''} fill={layerColour(l)} fillOpacity={0.12} />
            <path d={line<(typeof pts)[number]>().x((p) => x(p.step)).y((p) => y(p.median[l]!))(pts) ?? ''} fill="none" stroke={layerColour(l)} strokeDasharray={dash(l)} strokeWidth={2} />
            {pts.map((p) => <circle key={p.step} cx={x(p.step)} cy={y(p.median[l]!)} r={2.5} fill={layerColour(l)} />)}
            <text className="legend-entry" x={W - M.right + 6} y={M.top + 13 * k + 8} fontSize={10} fill={layerColour(l)}>{legendText(labelOf(layer), 26)}<title>{layer}</title></text>
          </g>
        );
      })}
      {y.ticks(4).map((t) => <text key={t} x={M.left - 4} y={y(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>)}
      <text x={14} y={(H - A) / 2} fontSize={AXIS.font} fill={AXIS.colour} transform={`rotate(-90 14 ${(H - A) / 2})`} textAnchor="middle">median SROP</text>
      <path d={line<(typeof result.points)[number]>().x((p) => x(p.step)).y((p) => ya(p.accuracy ?? 0))(result.points.filter((p) => p.accuracy !== null)) ?? ''} fill="none" stroke="#222" strokeWidth={2} />
      {result.points.filter((p) => p.accuracy !== null).map((p) => <circle key={p.step} className="accuracy-point" cx={x(p.step)} cy={ya(p.accuracy!)} r={3} fill="#222"><title>{`step ${p.step}: accuracy ${p.accuracy}`}</title></circle>)}
      {[0, 0.5, 1].map((t) => <text key={t} x={M.left - 4} y={ya(t)} dy="0.32em" textAnchor="end" fontSize={AXIS.font} fill={AXIS.colour}>{t}</text>)}
      <text x={W - M.right + 6} y={ya(0.5)} fontSize={10} fill="#222">accuracy</text>
      {result.points.map((p) => <text key={p.step} x={x(p.step)} y={H - M.bottom + 14} textAnchor="middle" fontSize={9} fill={AXIS.colour}>{p.step}</text>)}
      <text x={(M.left + W - M.right) / 2} y={H - 6} fontSize={AXIS.font} fill={AXIS.colour} textAnchor="middle">training step (symlog)</text>
    </ChartFrame>
  );
}

function TrainingView({ lab, result, model, labelOf }: { lab: LabStore; result: TrainingResult | null; model: ModelState; labelOf: (tensor: string) => string }) {
  const [shownLayers, setShownLayers] = useLayerChoice(result?.layers ?? []);
  const [files, setFiles] = useState<File[]>([]);
  const [table, setTable] = useState<ReturnType<typeof parseAccuracyTable> | null>(null);
  // The demo's structures: the first (the plain CNN) alone unless others are ticked.
  const { structures } = useDemoStructures();
  const [ticked, setTicked] = useState<string[] | null>(null);
  const series = ticked ?? structures.slice(0, 1).map((s) => s.id);
  const runDemo = async () => {
    const base = import.meta.env.BASE_URL;
    const picked = structures.filter((s) => series.includes(s.id));
    const checkpoints: Checkpoint[] = await Promise.all(
      picked.flatMap((s) => s.checkpoints.map(async (c) => ({ name: c.file, step: c.step, accuracy: c.accuracy, series: picked.length > 1 ? s.name : undefined, blob: await fetchDemoFile(base, c.file) }))),
    );
    await lab.runTraining(checkpoints);
  };
  const picked = useMemo(() => checkpointsFrom(files, table), [files, table]);
  const runFiles = () =>
    void lab.runTraining(
      picked.checkpoints.map((c) => ({ name: c.name, step: c.step, accuracy: c.accuracy, blob: c.file, series: new Set(picked.checkpoints.map((x) => x.series)).size > 1 ? c.series : undefined })),
      picked.externalFiles.map((f) => ({ name: f.name, blob: f })),
    );
  const chart = result && <TrainingChart result={result} shownLayers={shownLayers} labelOf={labelOf} />;
  return (
    <div data-testid="lab-training">
      <p className="hint">Runs A's image through a series of checkpoints and plots each layer's median SROP (band: quartiles) and the accuracy against the step, with their Spearman correlation per layer.</p>
      <div className="lab-controls">
        {structures.length > 1 && (
          <span>
            structures:{' '}
            {structures.map((s) => (
              <label key={s.id} className="candidate" title={s.description}>
                <input type="checkbox" aria-label={`Training series ${s.name}`} checked={series.includes(s.id)} onChange={(e) => setTicked(e.target.checked ? [...series, s.id] : series.filter((x) => x !== s.id))} /> {s.name}
              </label>
            ))}
          </span>
        )}
        <button type="button" disabled={series.length === 0} onClick={() => void runDemo()}>Use the demo checkpoints</button>
        {/* Each label stays on the line of its picker when the row wraps. */}
        <span className="field">
          <label htmlFor="checkpoint-files">Checkpoints (ONNX)</label>
          <input id="checkpoint-files" type="file" multiple accept=".onnx,.data,.bin,.onnx_data" onChange={(e) => setFiles(Array.from(e.target.files ?? []))} />
        </span>
        <span className="field">
          <label htmlFor="accuracy-table">Accuracy table or manifest</label>
          <input id="accuracy-table" type="file" accept=".csv,.txt,.tsv,.json" onChange={async (e) => { const f = e.target.files?.[0]; if (f) setTable(parseAccuracyTable(await f.text())); }} />
        </span>
        <button type="button" disabled={!files.length || !model.inputs.A} onClick={runFiles}>Run on these checkpoints</button>
      </div>
      {picked.leftOut.length > 0 && (
        <div className="notice" role="status" data-testid="training-left-out">
          Left out {picked.leftOut.length} of {picked.leftOut.length + picked.checkpoints.length} checkpoint files:
          <ul>{picked.leftOut.map((f) => <li key={f.name}>{f.name}: {f.reason}</li>)}</ul>
        </div>
      )}
      {result && result.series.length > 1 && (
        <>
          <div className="chart-grid single"><TrainingSeriesChart result={result} /></div>
          <TrainingSeriesTables result={result} />
          {exportButtons(lab, 'training', () => trainingSeriesCsv(result), () => ({ experiment: 'training', image: result.image, series: result.series }))}
        </>
      )}
      {result && result.series.length <= 1 && (
        <>
          <LayerChoice layers={result.layers} shown={shownLayers} onChange={setShownLayers} labelOf={labelOf} testId="training-layers" />
          <div className="chart-grid single">{chart}</div>
          <div className="table-scroll">
            <table data-testid="training-spearman">
              <caption>Spearman correlation between each layer's median SROP and the accuracy, across checkpoints</caption>
              <thead><tr><th scope="col">layer</th><th scope="col">Spearman</th></tr></thead>
              <tbody>{result.layers.map((l, i) => <tr key={l}><td title={l}>{labelOf(l)}</td><td>{formatNumber(result.spearman[i])}</td></tr>)}</tbody>
            </table>
          </div>
          {exportButtons(
            lab,
            'training',
            () => [`file,step,accuracy,${result.layers.flatMap((l) => [`median:${l}`, `q1:${l}`, `q3:${l}`]).map((h) => csvField(h)).join(',')}`].concat(result.points.map((p) => [csvField(p.file), p.step, csvField(p.accuracy), ...result.layers.flatMap((_, l) => [p.median[l], p.q1[l], p.q3[l]])].map((v) => (typeof v === 'string' ? v : csvField(v as number | null))).join(','))).join('\n') + '\n',
            () => ({ experiment: 'training', models: result.points.map((p) => p.file), image: result.image, layers: result.layers, points: result.points, spearman: result.spearman }),
          )}
        </>
      )}
    </div>
  );
}

export function Lab({ lab, model }: { lab: LabStore; model: ModelState }) {
  const state = useSyncExternalStore(lab.subscribe, lab.snapshot);
  const [tab, setTab] = useState<'occlusion' | 'randomisation' | 'training' | 'architecture'>('occlusion');
  // The page's short names for the model's tensors (module paths), the tensor itself otherwise.
  const labels = useMemo(() => new Map(model.candidates.map((c) => [c.tensor, c.label ?? c.tensor])), [model.candidates]);
  const labelOf = (tensor: string) => labels.get(tensor) ?? tensor;
  return (
    <section className="panel lab" aria-labelledby="lab-heading" data-testid="lab">
      <h2 id="lab-heading">Sanity-check lab</h2>
      <div role="tablist" className="tabs">
        {(['occlusion', 'randomisation', 'training', 'architecture'] as const).map((t) => (
          <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t === 'occlusion' ? 'Input: occlusion' : t === 'randomisation' ? 'Parameters: randomisation' : t === 'training' ? 'Training: checkpoints' : 'Architecture: structures'}
          </button>
        ))}
      </div>
      {state.running && (
        <div className="progress" role="status" data-testid="lab-progress">
          <progress max={Math.max(1, state.progress.total)} value={state.progress.done} aria-label="Lab progress" /> {state.progress.done} / {state.progress.total}{' '}
          <button type="button" onClick={() => lab.cancel()}>Cancel</button>
        </div>
      )}
      {state.error && <p className="error" role="alert">{state.error}</p>}
      {!model.model && <p className="hint">Load a model (or the demo) and an image on A first.</p>}
      {tab === 'occlusion' && <OcclusionView lab={lab} model={model} result={state.occlusion} />}
      {tab === 'randomisation' && <RandomisationView lab={lab} result={state.randomisation} labelOf={labelOf} />}
      {tab === 'training' && <TrainingView lab={lab} result={state.training} model={model} labelOf={labelOf} />}
      {tab === 'architecture' && <ArchitectureView lab={lab} model={model} result={state.architecture} />}
    </section>
  );
}
