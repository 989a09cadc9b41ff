// The app shell: engine in the header; parameters, progress and exports; panes A and B; the
// overview, the comparison table, and the layer and channel views.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { EngineStatus } from './EngineStatus';
import { Pane } from './Pane';
import { Parameters, ProgressBar } from './Toolbar';
import { Overview } from './charts/Overview';
import { ComparisonTable } from './ComparisonTable';
import { LayerDetail } from './LayerDetail';
import { ChannelDetail } from './ChannelDetail';
import { layerRows, linearGrid, sropAxisMax } from '../analysis/layerRows';
import { defaultFocus } from '../analysis/layerDetail';
import { comparisonCsv, download, sropsCsv, summaryJson } from './exporters';
import { SIDES, paneResults, type SideName } from '../session/workspace';
import { ModelPanel } from './ModelPanel';
import { Lab } from './Lab';
import { KappaSweepPanel } from './KappaSweep';
import { LiveInput } from './LiveInput';
import { useSameItems, useSession, useStore } from './useSession';
import type { DroppedFile } from './droppedFiles';
import { exportFileName } from '../session/provenance';
import { SessionBar, SESSION_FILE, openSession } from './SessionBar';

const GRID_POINTS = 64;

export function App() {
  const session = useSession();
  const { workspace, model: modelStore, lab, content } = session;
  const { host: hostState } = useStore(session.engines);
  const state = useStore(workspace);
  const modelState = useStore(modelStore);
  // Everything that reaches the page (the demo, the example, the user's files) goes through one
  // place, where the newest action wins and defaults give way to the user's content.
  const [contentNotice, setContentNotice] = useState<string | null>(null);
  useEffect(() => content.onNotice(setContentNotice), [content]);
  // The demo fills every view: once its runs have settled and both sides are measured, the layer
  // that moved most and its most changed channel are opened (unless the user's content replaced it).
  const [focusPending, setFocusPending] = useState(false);
  const openDemo = (byUser: boolean) => {
    setContentNotice(null);
    void content.openDemo({ byUser }).then(async (shown) => {
      if (!shown) return;
      await modelStore.settled();
      setFocusPending(modelStore.state.model?.origin === 'demo');
    });
  };
  // The page opens on the session kept in this browser, else on the demo (`?nodemo` opens it empty).
  useEffect(() => {
    void (session.keeper?.started ?? Promise.resolve(false)).then((restored) => {
      const s = modelStore.state;
      if (!restored && !new URLSearchParams(window.location.search).has('nodemo') && s.status === 'empty' && !s.model && !s.loading && SIDES.every((side) => !workspace.state.panes[side].files.length && !s.inputs[side])) openDemo(false);
    });
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  /** Files dropped on a pane: a model, labels, images or .npy tensors for the model, or activations. */
  const onFiles = (side: SideName, files: DroppedFile[]) => {
    setContentNotice(null);
    // A session file opens as the page's session, wherever it is dropped.
    const saved = files.find((f) => SESSION_FILE.test(f.name));
    if (saved) return openSession(session, { name: saved.name, blob: saved.file });
    return content.drop(side, files.map((f) => ({ name: f.name, blob: f.file })));
  };
  const [selectedLayer, setSelectedLayer] = useState<string | null>(null);
  const [selectedChannel, setSelectedChannel] = useState<number | null>(null);
  const [exampleError, setExampleError] = useState<string | null>(null);
  const [strayDrop, setStrayDrop] = useState(false);
  // A file dropped outside a pane must not navigate the tab away (losing everything): the window
  // takes every drag, and a drop no pane handled only says where files go.
  useEffect(() => {
    const onDragOver = (event: DragEvent) => event.preventDefault();
    const onDrop = (event: DragEvent) => {
      const saved = Array.from(event.dataTransfer?.files ?? []).find((f) => SESSION_FILE.test(f.name));
      if (!event.defaultPrevented && saved) void openSession(session, { name: saved.name, blob: saved });
      else if (!event.defaultPrevented && event.dataTransfer?.types.includes('Files')) setStrayDrop(true);
      event.preventDefault();
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [session]);

  // The same arrays while the panes hold the same results (a layer's status changing is not one).
  const resultsA = useSameItems(useMemo(() => paneResults(state.panes.A), [state.panes.A]));
  const resultsB = useSameItems(useMemo(() => paneResults(state.panes.B), [state.panes.B]));
  const inputs = { A: state.panes.A.input, B: state.panes.B.input };
  // The "paired" toggle of the statistics across inputs (on: paired wherever A and B hold as many inputs).
  const [paired, setPaired] = useState(true);
  const { rows, grid, yMax } = useMemo(() => {
    let top = 1;
    for (const r of [...resultsA, ...resultsB]) for (const v of r.srop) if (v > top) top = v;
    const g = linearGrid(0, top, GRID_POINTS);
    const built = layerRows(resultsA, resultsB, inputs.A, inputs.B, g, paired);
    return { rows: built, grid: g, yMax: sropAxisMax(built) };
  }, [resultsA, resultsB, inputs.A, inputs.B, paired]);
  const row = rows.find((r) => r.name === selectedLayer) ?? null;
  const selectLayer = useCallback((name: string) => {
    setSelectedLayer(name);
    setSelectedChannel(null);
  }, []);
  useEffect(() => {
    if (!focusPending || state.progress.running || rows.length === 0 || !rows.every((r) => r.comparison)) return;
    const focus = defaultFocus(rows, inputs.A, inputs.B);
    if (focus) {
      setSelectedLayer(focus.layer);
      setSelectedChannel(focus.channel);
    }
    setFocusPending(false);
  }, [focusPending, rows, state.progress.running]); // eslint-disable-line react-hooks/exhaustive-deps
  const hasB = resultsB.length > 0;
  // Each live input by its file, in the order of the batch axis (for the JSON export).
  const inputFiles = Object.fromEntries(SIDES.map((side) => {
    const live = modelState.inputs[side];
    return [side, live && !live.stale && state.panes[side].files.some((f) => f.blob === null) ? live.items.map((i) => i.name) : null];
  })) as { A: string[] | null; B: string[] | null };

  const loadExample = async () => {
    setExampleError(null);
    setContentNotice(null);
    setExampleError(await content.openExample());
  };

  return (
    <>
      <header className="app-header">
        <h1>SROP lab</h1>
        <EngineStatus state={hostState} where={session.engineWhere()} onChoice={(choice) => void session.setEngineChoice(choice)} />
      </header>
      {hostState?.notice && <div className="notice" role="alert" data-testid="engine-notice">{hostState.notice}</div>}
      <main>
        <div className="toolbar">
          <Parameters params={state.params} onChange={(patch) => workspace.setParams(patch)} />
          <div className="exports" role="group" aria-label="Exports">
            <button type="button" disabled={!resultsA.length && !resultsB.length} onClick={() => { const p = session.provenance(); download(new Blob([sropsCsv(resultsA, resultsB, p)], { type: 'text/csv' }), exportFileName('srops', p, 'csv')); }}>
              Export SROPs as CSV
            </button>
            <button type="button" disabled={!rows.some((r) => r.comparison)} onClick={() => { const p = session.provenance(); download(new Blob([comparisonCsv(rows, p)], { type: 'text/csv' }), exportFileName('comparison', p, 'csv')); }}>
              Export comparison as CSV
            </button>
            <button type="button" disabled={!rows.length} onClick={() => { const p = session.provenance(); download(new Blob([summaryJson(state.params, resultsA, resultsB, rows, inputs, p, paired, inputFiles)], { type: 'application/json' }), exportFileName('srop-summary', p, 'json')); }}>
              Export JSON
            </button>
          </div>
        </div>
        <SessionBar />
        <ProgressBar progress={state.progress} onCancel={() => workspace.cancel()} onResume={() => workspace.resume()} stalled={workspace.stalled()} />
        <ModelPanel store={modelStore} state={modelState} content={content} onDemo={() => openDemo(true)} />
        {contentNotice && (
          <div className="notice" role="status" data-testid="content-notice">
            {contentNotice} <button type="button" onClick={() => setContentNotice(null)}>Dismiss</button>
          </div>
        )}
        {strayDrop && (
          <div className="notice" role="status" data-testid="stray-drop">
            Files go on pane A or pane B: drop them there, or use the file pickers (a session file, .srop.zip, anywhere on the page). <button type="button" onClick={() => setStrayDrop(false)}>Dismiss</button>
          </div>
        )}
        <div className="panes">
          {SIDES.map((side) => (
            <Pane key={side} side={side} pane={state.panes[side]} workspace={workspace} content={content} onFiles={onFiles} top={modelState.model ? <LiveInput side={side} store={modelStore} content={content} state={modelState} shown={state.panes[side].input} onShow={(i) => workspace.setInput(side, i)} /> : null} />
          ))}
        </div>
        {rows.length === 0 ? (
          <section className="panel intro">
            <p>
              Spectral roll-off points of CNN feature maps: for each map, the radius of its 2-D power spectrum that holds a
              share κ of its energy, 1.0 being the Nyquist radius. Drop activation files on A and B (for example the outputs of
              every ReLU of a network for an image and for the same image occluded) to see, layer by layer, where the
              information sits in frequency and how it moves.
            </p>
            <button type="button" onClick={() => void loadExample()}>Load the example</button>{' '}
            <span className="hint">a small random CNN on a drawn figure (A) and on the figure partly occluded (B)</span>
            {exampleError && <p className="error" role="alert">{exampleError}</p>}
          </section>
        ) : (
          <>
            <section className="panel" aria-label="Overview">
              <Overview rows={rows} grid={grid} yMax={yMax} selected={selectedLayer} onSelect={selectLayer} />
            </section>
            {hasB && resultsA.length > 0 && <ComparisonTable rows={rows} selected={selectedLayer} onSelect={(name) => { setSelectedLayer(name); setSelectedChannel(null); }} paired={paired} onPaired={setPaired} />}
            {hasB && resultsA.length > 0 && rows.some((r) => r.comparison) && <KappaSweepPanel rows={rows} inputs={inputs} params={state.params} />}
            {row && (
              <div className="detail-row">
                <LayerDetail row={row} inputs={inputs} kappa={state.params.kappa} xMax={yMax} channel={selectedChannel} onChannel={setSelectedChannel} />
                {selectedChannel !== null && <ChannelDetail row={row} channel={selectedChannel} inputs={inputs} kappa={state.params.kappa} dc={state.params.dc} />}
              </div>
            )}
            {modelState.model && <Lab lab={lab} model={modelState} />}
          </>
        )}
      </main>
    </>
  );
}
