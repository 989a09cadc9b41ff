// The live-model controls: the ONNX model (file picker "Model (ONNX)", or the demo), labels, the
// execution provider, the candidate feature maps grouped by role (with a filter, and all / none /
// default per group), the preprocessing, and "Make B from A".
import { useMemo, useState } from 'react';
import type { OcclusionFill, Preprocessing } from '../model/preprocess';
import { isSinglePixel, ROLES, type Candidate, type ModelState, type ModelStore, type ProviderChoice } from '../session/modelStore';
import type { PageContent } from '../session/pageContent';

function numberList(text: string): number[] {
  return text.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s.trim())));
}

/**
 * The mean or std field: taken on blur when it is usable for the model's channels; otherwise it
 * says why beside the field, and that the values in use stay.
 */
function NormalisationField({ kind, p, store }: { kind: 'mean' | 'std'; p: Preprocessing; store: ModelStore }) {
  const inUse = p[kind].join(', ');
  const [problem, setProblem] = useState<string | null>(null);
  const label = kind === 'mean' ? 'Mean' : 'Std';
  return (
    <label>
      {kind}{' '}
      <input
        aria-label={label}
        aria-invalid={problem !== null}
        defaultValue={inUse}
        key={`${kind}${inUse}`}
        onBlur={(e) => {
          const values = numberList(e.target.value);
          const why = store.normalisationProblem(kind, values);
          setProblem(why === null ? null : `${why}; still using ${inUse}`);
          if (why === null && values.join(', ') !== inUse) store.setPreprocessing({ [kind]: values });
        }}
        style={{ width: '10em' }}
      />
      {problem && <span className="error" role="alert" data-testid={`${kind}-problem`}> {problem}</span>}
    </label>
  );
}

/**
 * The occlusion rectangle as four fields (A's image pixels), so that the whole flow works from the
 * keyboard; a drag on A's image fills them, and typing moves the drawn rectangle.
 */
function RectFields({ store, state }: { store: ModelStore; state: ModelState }) {
  const image = state.inputs.A?.image;
  const rect = state.rect;
  const fields = [['x', 'x'], ['y', 'y'], ['width', 'width'], ['height', 'height']] as const;
  return (
    <span className="rect-fields" role="group" aria-label="Occlusion rectangle (A's image pixels)">
      <span className="hint">rectangle:</span>
      {fields.map(([key, word]) => (
        <label key={key}>
          {word}{' '}
          <input
            type="number"
            aria-label={`Rectangle ${word}`}
            min={0}
            max={image ? (key === 'x' || key === 'width' ? image.width : image.height) : undefined}
            disabled={!image}
            value={rect ? Math.round(rect[key] * 100) / 100 : ''}
            onChange={(e) => {
              const v = e.target.value === '' ? Number.NaN : Number(e.target.value);
              const base = rect ?? { x: 0, y: 0, width: 0, height: 0 };
              store.setRect({ ...base, [key]: v });
            }}
            style={{ width: '4.5em' }}
          />
        </label>
      ))}
      {image && <span className="hint"> of {(state.rectOn ?? image).width} x {(state.rectOn ?? image).height}{(state.inputs.A?.items.length ?? 0) > 1 ? ', the same share of every image of the set' : ''}</span>}
    </span>
  );
}

export function ModelPanel({ store, state, content, onDemo }: { store: ModelStore; state: ModelState; content: PageContent; onDemo: () => void }) {
  const [sigma, setSigma] = useState(1.5);
  const [fill, setFill] = useState<OcclusionFill>('zero');
  const p = state.preprocessing;
  // Axes the model fixes cannot be changed here (a run would only fail): [N, C, H, W].
  const fixed = (axis: number) => typeof state.model?.inputDims[axis] === 'number';
  const fixedTitle = 'fixed by the model';
  return (
    <section className="panel model-panel" aria-labelledby="model-heading" data-testid="model-panel">
      <h2 id="model-heading">Live feature maps</h2>
      <div className="model-row">
        <label htmlFor="model-file">Model (ONNX)</label>
        <input
          id="model-file"
          type="file"
          multiple
          accept=".onnx,.data,.bin,.onnx_data"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            if (files.length) void content.openModel(files.map((f) => ({ name: f.name, blob: f })));
            e.target.value = '';
          }}
        />
        <button type="button" onClick={onDemo}>Load the demo model</button>
        <label htmlFor="labels-file">Labels</label>
        <input
          id="labels-file"
          type="file"
          accept=".txt,.json"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void store.loadLabels({ name: f.name, blob: f });
            e.target.value = '';
          }}
        />
        <label>
          Provider{' '}
          <select aria-label="Execution provider" value={state.provider} onChange={(e) => store.setProvider(e.target.value as ProviderChoice)}>
            <option value="auto">auto</option>
            <option value="wasm">WASM</option>
            <option value="webgpu">WebGPU</option>
          </select>
        </label>
      </div>
      <p className="hint" data-testid="model-status" role="status">
        {state.loading && (
          <>
            Loading {state.loading}…
            {state.model && <> (the views show {state.model.name}{state.model.origin === 'demo' ? ', the demo,' : ''} until it has loaded)</>}
          </>
        )}
        {state.model && !state.loading && (
          <>
            <strong>{state.model.name}</strong>{state.model.origin === 'demo' && ' (the demo)'}: input {state.model.inputName} [{state.model.inputDims.map((d) => d ?? '?').join(', ')}]
            {state.providerInUse && <>; runs on {state.providerInUse === 'webgpu' ? 'WebGPU' : 'WASM'}</>}
            {(['A', 'B'] as const).map((side) => state.timings[side] !== null && state.inputs[side] && <span key={side}>; forward pass {side} ({state.inputs[side]!.name}) {(state.timings[side]! * 1000).toFixed(0)} ms{state.inputs[side]!.items.length > 1 ? ' per input' : ''}</span>)}
            {state.status === 'running' && ' (running…)'}
          </>
        )}
        {!state.model && !state.loading && 'No model: drop an .onnx file (with its external-data file, if any) on a pane, pick one here, or load the demo.'}
      </p>
      {state.error && <p className="error" role="alert" data-testid="model-error">{state.error}</p>}
      {state.notice && <p className="notice" role="status">{state.notice}</p>}
      {state.model && p && (
        <>
          <fieldset className="preprocessing">
            <legend>Preprocessing (to NCHW)</legend>
            <label>height <input type="number" aria-label="Input height" min={1} value={p.height} disabled={fixed(2)} title={fixed(2) ? fixedTitle : undefined} onChange={(e) => Number(e.target.value) > 0 && store.setPreprocessing({ height: Number(e.target.value) })} style={{ width: '5em' }} /></label>
            <label>width <input type="number" aria-label="Input width" min={1} value={p.width} disabled={fixed(3)} title={fixed(3) ? fixedTitle : undefined} onChange={(e) => Number(e.target.value) > 0 && store.setPreprocessing({ width: Number(e.target.value) })} style={{ width: '5em' }} /></label>
            <span className="hint">resize: bilinear (none when the image is already this size)</span>
            <label>
              colour{' '}
              <select aria-label="Colour" value={p.channels} disabled={fixed(1)} title={fixed(1) ? fixedTitle : undefined} onChange={(e) => store.setPreprocessing({ channels: Number(e.target.value) as 1 | 3 })}>
                <option value={3}>RGB</option>
                <option value={1}>greyscale</option>
              </select>
            </label>
            <label><input type="checkbox" checked={p.scaleTo01} onChange={(e) => store.setPreprocessing({ scaleTo01: e.target.checked })} /> scale to [0, 1]</label>
            <NormalisationField kind="mean" p={p} store={store} />
            <NormalisationField kind="std" p={p} store={store} />
          </fieldset>
          <fieldset className="make-b">
            <legend>Make B from A</legend>
            <button type="button" onClick={() => store.makeB('occlude', { fill })}>Occlude the rectangle</button>
            <label>
              fill{' '}
              <select aria-label="Rectangle fill" value={fill} onChange={(e) => setFill(e.target.value as OcclusionFill)}>
                <option value="zero">zero (black)</option>
                <option value="mean">image mean</option>
                <option value="blur">blurred copy</option>
                <option value="noise">noisy copy</option>
              </select>
            </label>
            <button type="button" onClick={() => store.makeB('blur', { sigma })}>Blur</button>
            <button type="button" onClick={() => store.makeB('noise', { sigma: sigma * 20 })}>Add noise</button>
            <button type="button" onClick={() => store.makeB('blank')}>Blank</button>
            <label>strength <input type="number" aria-label="Strength" min={0.1} step={0.5} value={sigma} onChange={(e) => setSigma(Number(e.target.value) || 1)} style={{ width: '4em' }} /></label>
            <RectFields store={store} state={state} />
            <span className="hint">drag on A's image to draw the rectangle, or type it; a new A image clears it. The rectangle is filled as the lab fills its patches: black, the image's mean colour, a blurred (sigma 3 px) or a noisy (sigma 60 grey levels) copy. Blur sigma = strength pixels, noise sigma = 20 x strength grey levels. A B made from A follows A: a new A re-makes a blurred, noisy or blank B, and marks an occluded B stale. With a set on A, every image is changed alike (the rectangle covers the same share of each image), which makes a paired set.</span>
          </fieldset>
          <CandidateList store={store} state={state} />
        </>
      )}
    </section>
  );
}

/** What a candidate is, on its line: op, role note, shape as read (N x C x H x W), layout, 1 x 1. */
function candidateHint(c: Candidate): string {
  const parts = [c.opType, c.note, `${c.shape.slice(1).join('×')}`];
  if (c.readAs === 'nhwc') parts.push('read as NHWC');
  if (isSinglePixel(c)) parts.push('1 x 1: SROP is kappa by construction');
  return parts.filter(Boolean).join(', ');
}

/**
 * The candidate feature maps, grouped by role, each group in network order, with a text filter
 * (on the tensor name, op type and note); all / none act on the shown members of a group,
 * default puts back the group's default choice.
 */
function CandidateList({ store, state }: { store: ModelStore; state: ModelState }) {
  const [filter, setFilter] = useState('');
  const defaults = useMemo(() => new Set(state.defaults), [state.defaults]);
  const selected = new Set(state.selected);
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (c: Candidate) => words.every((w) => `${c.label ?? ''} ${c.tensor} ${c.opType} ${c.note}`.toLowerCase().includes(w));
  const shown = state.candidates.filter(matches).length;
  return (
    <details className="candidates" open>
      <summary>Feature maps: {state.selected.length} of {state.candidates.length} 4-D tensors chosen</summary>
      <div className="candidate-filter">
        <label>
          filter{' '}
          <input type="search" aria-label="Filter feature maps" value={filter} placeholder="name, op or role" onChange={(e) => setFilter(e.target.value)} />
        </label>{' '}
        <span className="hint" data-testid="candidate-count">{words.length ? `${shown} of ${state.candidates.length} shown` : 'network order within each group; default: activations after convolutions and block outputs, no 1 x 1 maps'}</span>
      </div>
      {ROLES.map(({ role, label }) => {
        const members = state.candidates.filter((c) => c.role === role);
        if (!members.length) return null;
        const visible = members.filter(matches);
        const chosen = members.filter((m) => selected.has(m.tensor)).length;
        const set = (keep: (t: string) => boolean, add: string[]) => store.setSelected([...state.selected.filter(keep), ...add]);
        const inGroup = (t: string) => members.some((m) => m.tensor === t);
        const isVisible = (t: string) => visible.some((m) => m.tensor === t);
        return (
          <fieldset key={role} data-role={role}>
            <legend>
              {label} ({chosen} of {members.length} chosen{words.length ? `; ${visible.length} shown` : ''}){' '}
              <button type="button" disabled={!visible.length} onClick={() => set(() => true, visible.map((m) => m.tensor))}>all</button>{' '}
              <button type="button" disabled={!visible.length} onClick={() => set((t) => !isVisible(t), [])}>none</button>{' '}
              <button type="button" onClick={() => set((t) => !inGroup(t), members.filter((m) => defaults.has(m.tensor)).map((m) => m.tensor))}>default</button>
            </legend>
            <div className="candidate-list">
              {visible.map((c) => (
                <label key={c.tensor} className="candidate" data-tensor={c.tensor}>
                  <input
                    type="checkbox"
                    checked={selected.has(c.tensor)}
                    onChange={(e) => store.setSelected(e.target.checked ? [...state.selected, c.tensor] : state.selected.filter((t) => t !== c.tensor))}
                  />{' '}
                  <span title={c.tensor}>{c.label ?? c.tensor}</span> <span className="hint">({candidateHint(c)})</span>
                </label>
              ))}
            </div>
          </fieldset>
        );
      })}
    </details>
  );
}
