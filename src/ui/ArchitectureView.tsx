// The lab's architecture view: two or more models (the demo's structures, or the user's ONNX files)
// on A's image, their feature layers aligned by relative depth or by resolution stage; each model's
// median SROP and interquartile band per aligned position with its accuracy, and the correlation
// across models between their SROP summary and their accuracy. Exports CSV/JSON and SVG/PNG.
import { useEffect, useMemo, useState } from 'react';
import { area, line, scaleLinear, scalePoint } from 'd3';
import { alignModels, MIN_MODELS_FOR_CORRELATION, type Alignment } from '../analysis/architecture';
import type { ArchitectureResult, ArchitectureSource } from '../session/architectureLab';
import { architectureCsv, architectureJson } from './architectureExports';
import { fetchDemoFile, fetchDemoStructures, type DemoStructure } from '../session/demoStructures';
import { checkpointsFrom, parseAccuracyTable, type LabStore } from '../session/labStore';
import type { ModelState } from '../session/modelStore';
import { ChartFrame } from './charts/ChartFrame';
import { CHART_BOUNDS } from './charts/chartSize';
import { colourIndex, seriesColour, seriesDash } from './charts/palette';
import { AXIS, YGrid, formatNumber } from './charts/theme';
import { useChartSize } from './charts/useWidth';
import { download, withProvenance } from './exporters';
import { exportFileName } from '../session/provenance';
import { useSession } from './useSession';


/** The demo's structures, loaded once per page (the manifest lists them). */
export function useDemoStructures(): { structures: DemoStructure[]; error: string | null } {
  const [state, setState] = useState<{ structures: DemoStructure[]; error: string | null }>({ structures: [], error: null });
  useEffect(() => {
    let live = true;
    fetchDemoStructures(import.meta.env.BASE_URL).then(
      (structures) => live && setState({ structures, error: null }),
      (error: Error) => live && setState({ structures: [], error: `The demo's structures could not be listed: ${error.message}` }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export function ArchitectureView({ lab, model, result }: { lab: LabStore; model: ModelState; result: ArchitectureResult | null }) {
  const session = useSession();
  const { structures, error } = useDemoStructures();
  const [unticked, setUnticked] = useState<string[]>([]);
  const [step, setStep] = useState<'final' | 'all' | number>('final');
  const [alignment, setAlignment] = useState<Alignment>('depth');
  const [files, setFiles] = useState<File[]>([]);
  const [table, setTable] = useState<ReturnType<typeof parseAccuracyTable> | null>(null);
  const [tableError, setTableError] = useState<string | null>(null);
  const chosen = structures.filter((s) => !unticked.includes(s.id));
  const steps = [...new Set(structures.flatMap((s) => s.checkpoints.map((c) => c.step)))].sort((a, b) => a - b);
  const runDemo = async () => {
    const base = import.meta.env.BASE_URL;
    const picks = chosen.flatMap((s) =>
      s.checkpoints
        .filter((c) => (step === 'all' ? true : step === 'final' ? c.file === s.final : c.step === step))
        .map((c) => ({ structure: s, checkpoint: c })),
    );
    const sources: ArchitectureSource[] = await Promise.all(
      picks.map(async ({ structure, checkpoint }) => ({
        label: step === 'final' ? structure.name : `${structure.name}, step ${checkpoint.step}`,
        name: checkpoint.file,
        accuracy: checkpoint.accuracy,
        structure: structure.id,
        step: checkpoint.step,
        blob: await fetchDemoFile(base, checkpoint.file),
      })),
    );
    await lab.runArchitecture(sources);
  };
  const onnxFiles = files.filter((f) => /\.onnx$/i.test(f.name));
  const runFiles = () => {
    const steps = checkpointsFrom(onnxFiles, table);
    const stepOfFile = new Map(steps.checkpoints.map((c) => [c.name, c.step]));
    void lab.runArchitecture(
      onnxFiles.map((f) => ({ label: table?.structures?.get(f.name) ?? f.name, name: f.name, blob: f, accuracy: table?.get(f.name) ?? null, step: table?.steps?.get(f.name) ?? stepOfFile.get(f.name) })),
      files.filter((f) => !/\.onnx$/i.test(f.name)).map((f) => ({ name: f.name, blob: f })),
    );
  };
  const summary = useMemo(() => (result ? alignModels(result.models, alignment) : null), [result, alignment]);
  const colours = useMemo(() => colourIndex(result?.models.map((m) => m.structure ?? m.label) ?? []), [result]);
  const colourOf = (i: number) => colours.get(result!.models[i].structure ?? result!.models[i].label) ?? 0;

  // Sized by its container (the frame measured once it is drawn); a resize only redraws from the
  // memoised alignment. Tall enough for the models' legend (up to 16 entries).
  const [frame, size] = useChartSize(CHART_BOUNDS.lab);
  const M = { top: 14, right: 300, bottom: 56, left: 56 };
  const W = size.width, H = Math.max(size.height, 300, M.top + 13 * Math.min(16, summary?.models.length ?? 0) + M.bottom);
  const chart = result && summary && (() => {
    const x = scalePoint<number>().domain(summary.positions.map((_, p) => p)).range([M.left, W - M.right]).padding(0.4);
    const top = Math.max(1e-6, ...summary.models.flatMap((m) => m.cells.map((c) => c?.q3 ?? 0)));
    const y = scaleLinear().domain([0, top]).range([H - M.bottom, M.top]).nice();
    return (
      <ChartFrame
        title={`Median SROP per ${alignment === 'depth' ? 'relative depth' : 'resolution stage'}, by model`}
        description={`${summary.models.length} models on ${result.image}; line: median SROP of the layers at each aligned position (pooled), band: interquartile range; 1 is the Nyquist radius`}
        filename={`architecture-${alignment}`}
        width={W}
        height={H}
        testId="architecture-chart"
        frameRef={frame}
      >
        <YGrid y={y} left={M.left} right={W - M.right} />
        {summary.positions.map((pos, p) => (
          <text key={pos.key} x={x(p)} y={H - M.bottom + 14} textAnchor="middle" fontSize={9} fill={AXIS.colour}>{pos.label}</text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 8} textAnchor="middle" fontSize={AXIS.font} fill={AXIS.colour}>{alignment === 'depth' ? 'relative depth (layer index / number of feature layers)' : 'resolution stage (map size / input size)'}</text>
        <text x={14} y={(H - M.bottom) / 2} fontSize={AXIS.font} fill={AXIS.colour} transform={`rotate(-90 14 ${(H - M.bottom) / 2})`} textAnchor="middle">median SROP</text>
        {summary.models.map((m, i) => {
          const pts = m.cells.map((c, p) => ({ c, p })).filter((d): d is { c: NonNullable<typeof d.c>; p: number } => d.c !== null && d.c.median !== null);
          const colour = seriesColour(colourOf(i));
          return (
            <g key={`${m.file}|${i}`} className="architecture-model" data-model={m.label}>
              <path d={area<(typeof pts)[number]>().x((d) => x(d.p)!).y0((d) => y(d.c.q1 ?? 0)).y1((d) => y(d.c.q3 ?? 0))(pts) ?? ''} fill={colour} fillOpacity={0.1} />
              <path d={line<(typeof pts)[number]>().x((d) => x(d.p)!).y((d) => y(d.c.median!))(pts) ?? ''} fill="none" stroke={colour} strokeDasharray={seriesDash(colourOf(i))} strokeWidth={2} />
              {pts.map((d) => (
                <circle key={d.p} className="architecture-median" data-position={summary.positions[d.p].label} data-median={d.c.median!} cx={x(d.p)} cy={y(d.c.median!)} r={3} fill={colour}>
                  <title>{`${m.label}, ${summary.positions[d.p].label}: median ${formatNumber(d.c.median, 4)} (IQR ${formatNumber(d.c.q1, 4)} to ${formatNumber(d.c.q3, 4)}), ${d.c.layers.join(', ')}`}</title>
                </circle>
              ))}
              {summary.models.length <= 16 && (
                <text x={W - M.right + 8} y={M.top + 13 * i + 8} fontSize={10} fill={colour}>{`${m.label}: ${m.accuracy === null ? 'no accuracy' : `${(m.accuracy * 100).toFixed(2)} %`}`}</text>
              )}
            </g>
          );
        })}
      </ChartFrame>
    );
  })();

  return (
    <div data-testid="lab-architecture">
      <p className="hint">
        Runs A's image through two or more models and aligns their feature layers (each model's default choice: the activations after convolutions) by relative depth or by resolution stage: per model, the median SROP and its interquartile band at each aligned position, with the model's accuracy, and the correlation across models between SROP and accuracy.
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="lab-controls">
        <span>
          demo structures:{' '}
          {structures.map((s) => (
            <label key={s.id} className="candidate" title={s.description}>
              <input type="checkbox" checked={!unticked.includes(s.id)} onChange={(e) => setUnticked(e.target.checked ? unticked.filter((u) => u !== s.id) : [...unticked, s.id])} /> {s.name}
            </label>
          ))}
        </span>
        <label>
          checkpoint{' '}
          <select aria-label="Demo checkpoint" value={String(step)} onChange={(e) => setStep(e.target.value === 'final' || e.target.value === 'all' ? e.target.value : Number(e.target.value))}>
            <option value="final">final</option>
            {steps.map((s) => <option key={s} value={s}>step {s}</option>)}
            <option value="all">every checkpoint</option>
          </select>
        </label>
        <button type="button" disabled={chosen.length === 0 || !model.inputs.A || (chosen.length < 2 && step !== 'all')} onClick={() => void runDemo()}>Compare the demo structures</button>
      </div>
      <div className="lab-controls">
        <span className="field">
          <label htmlFor="architecture-files">Models (ONNX)</label>
          <input id="architecture-files" type="file" multiple accept=".onnx,.data,.bin,.onnx_data" onChange={(e) => setFiles(Array.from(e.target.files ?? []))} />
        </span>
        <span className="field">
          <label htmlFor="architecture-accuracy">Accuracy table or manifest</label>
          <input
            id="architecture-accuracy"
            type="file"
            accept=".csv,.txt,.tsv,.json"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              try {
                setTable(parseAccuracyTable(await f.text()));
                setTableError(null);
              } catch (err) {
                setTableError(`${f.name}: not an accuracy table or manifest (${(err as Error).message}); the accuracies in use are kept`);
              }
            }}
          />
        </span>
        <button type="button" disabled={onnxFiles.length < 2 || !model.inputs.A} onClick={runFiles}>Compare these models</button>
      </div>
      {tableError && <p className="error" role="alert">{tableError}</p>}
      {result && summary && (
        <>
          {result.notes.length > 0 && <div className="notice" role="status">{result.notes.map((n) => <div key={n}>{n}</div>)}</div>}
          <label>
            align by{' '}
            <select aria-label="Align layers by" value={alignment} onChange={(e) => setAlignment(e.target.value as Alignment)}>
              <option value="depth">relative depth</option>
              <option value="stage">resolution stage</option>
            </select>
          </label>
          <div className="chart-grid single">{chart}</div>
          <p data-testid="architecture-correlation" role="status">
            Correlation across {summary.overall.n} models between the SROP summary (mean of the layers' median SROPs) and the accuracy:{' '}
            {summary.overall.spearman === null
              ? `needs ${MIN_MODELS_FOR_CORRELATION} or more models with an accuracy`
              : <>Spearman <strong>{formatNumber(summary.overall.spearman)}</strong>, Pearson <strong>{formatNumber(summary.overall.pearson)}</strong></>}
          </p>
          <div className="table-scroll">
            <table data-testid="architecture-table">
              <caption>Median SROP per aligned position and model; last columns: the correlation across models with the accuracy</caption>
              <thead>
                <tr>
                  <th scope="col">position</th>
                  {summary.models.map((m, i) => <th key={i} scope="col">{m.label}</th>)}
                  <th scope="col">Spearman</th>
                  <th scope="col">Pearson</th>
                </tr>
              </thead>
              <tbody>
                {summary.positions.map((pos, p) => (
                  <tr key={pos.key}>
                    <th scope="row">{pos.label}</th>
                    {summary.models.map((m, i) => <td key={i} title={m.cells[p]?.layers.join(', ')}>{formatNumber(m.cells[p]?.median ?? null)}</td>)}
                    <td>{formatNumber(summary.perPosition[p].spearman)}</td>
                    <td>{formatNumber(summary.perPosition[p].pearson)}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">summary</th>
                  {summary.models.map((m, i) => <td key={i}>{formatNumber(m.summary)}</td>)}
                  <td>{formatNumber(summary.overall.spearman)}</td>
                  <td>{formatNumber(summary.overall.pearson)}</td>
                </tr>
                <tr>
                  <th scope="row">accuracy</th>
                  {summary.models.map((m, i) => <td key={i}>{m.accuracy === null ? '–' : formatNumber(m.accuracy, 4)}</td>)}
                  <td />
                  <td />
                </tr>
              </tbody>
            </table>
          </div>
          <span className="exports">
            <button type="button" onClick={() => { const p = session.provenance(); download(new Blob([withProvenance(p, architectureCsv(result, summary, lab.params()))], { type: 'text/csv' }), exportFileName('architecture', p, 'csv')); }}>Export architecture as CSV</button>
            <button type="button" onClick={() => { const p = session.provenance(); download(new Blob([JSON.stringify({ provenance: p, ...architectureJson(result, summary), sropParams: lab.params() }, null, 1)], { type: 'application/json' }), exportFileName('architecture', p, 'json')); }}>Export architecture as JSON</button>
          </span>
        </>
      )}
    </div>
  );
}
