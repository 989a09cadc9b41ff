// One input side: a drop zone and file picker ("Input A activations"), its files and layers with
// shape, dtype, batch and layout (the guess, its reason, and a control to change it), the choice of
// one input or the pooled batch, and the side's errors.
import { useState, type DragEvent, type ReactNode } from 'react';
import type { LayoutChoice } from '../io/types';
import type { FileEntry, PaneState, SideName, Workspace } from '../session/workspace';
import type { PageContent } from '../session/pageContent';
import { SIDE_STYLE } from './charts/theme';
import { batchChoice } from '../analysis/summary';
import { droppedFiles, type DroppedFile } from './droppedFiles';

/** A file's layout control: auto (the reader's guess), or NCHW / NHWC given (its layers are read again). */
function LayoutChoiceControl({ side, file, workspace, label, title }: { side: SideName; file: FileEntry; workspace: Workspace; label: string; title?: string }) {
  return (
    <label title={title}>
      {label}{' '}
      <select aria-label={`Layout of ${file.name}`} value={file.layout} onChange={(e) => void workspace.setLayout(side, file.id, e.target.value as LayoutChoice)}>
        <option value="auto">auto</option>
        <option value="nchw">NCHW</option>
        <option value="nhwc">NHWC</option>
      </select>
    </label>
  );
}

export function Pane({ side, pane, workspace, content, onFiles, top }: {
  side: SideName;
  pane: PaneState;
  workspace: Workspace;
  /** Where the side's activation files and Remove go (they replace defaults and the side's live maps). */
  content: PageContent;
  /** Dropped files go here (a model, images, labels or activations). */
  onFiles: (side: SideName, files: DroppedFile[]) => Promise<void>;
  /** The live input of the side (its image and top-5), when a model is loaded. */
  top: ReactNode;
}) {
  const [dragging, setDragging] = useState(false);
  const inputId = `files-${side}`;
  const { inputs, largest } = batchChoice(pane.files.flatMap((f) => f.layers.map((e) => e.layer.shape)));
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    // A dropped folder is read whole (its images become one set of inputs); the entries must be
    // taken before the event ends.
    if (event.dataTransfer.files.length || event.dataTransfer.items?.length) void droppedFiles(event.dataTransfer).then((files) => {
      if (files.length) return onFiles(side, files);
    });
  };
  return (
    <section
      className={`pane${dragging ? ' dragging' : ''}`}
      aria-labelledby={`pane-${side}-heading`}
      data-testid={`pane-${side}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      style={{ borderTopColor: SIDE_STYLE[side].colour, borderTopStyle: side === 'A' ? 'solid' : 'dashed' }}
    >
      <h2 id={`pane-${side}-heading`}>Input {side}</h2>
      {top}
      <div className="drop-zone">
        <label htmlFor={inputId}>Input {side} activations</label>
        <input
          id={inputId}
          type="file"
          multiple
          accept=".npz,.npy,.safetensors,.pt,.pth,.bin,.h5,.hdf5"
          onChange={(event) => {
            const files = event.target.files;
            if (files?.length) void content.openActivations(side, Array.from(files, (f) => ({ name: f.name, blob: f })));
            event.target.value = '';
          }}
        />
        <label className="open-results">
          Open results{' '}
          <input
            type="file"
            aria-label={`Open results ${side}`}
            accept=".json,application/json"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void content.openResults(side, { name: file.name, blob: file });
              event.target.value = '';
            }}
          />
        </label>
        <p className="hint">or drop <code>.npz</code>, <code>.safetensors</code>, <code>.npy</code>, PyTorch <code>.pt</code> or HDF5 <code>.h5</code> files anywhere on this pane (several <code>.npy</code> files: one layer each); an <code>.onnx</code> model, images or a folder of images go to the live model</p>
      </div>
      {pane.errors.length > 0 && (
        <div className="error" role="alert" data-testid={`errors-${side}`}>
          <ul>
            {pane.errors.map((e, i) => <li key={i}>{e}</li>)}
          </ul>
          <button type="button" onClick={() => workspace.clearErrors(side)}>Dismiss</button>
        </div>
      )}
      {largest > 1 && (
        <label className="batch-choice">
          {inputs === largest ? `Batch of ${largest}` : `Batches of ${inputs} to ${largest} (one input: those every layer holds)`}:{' '}
          <select aria-label={`Input ${side} batch item`} value={pane.input === null ? 'pooled' : String(pane.input)} onChange={(e) => workspace.setInput(side, e.target.value === 'pooled' ? null : Number(e.target.value))}>
            <option value="pooled">all inputs pooled</option>
            {Array.from({ length: inputs }, (_, i) => <option key={i} value={i}>input {i}</option>)}
          </select>
        </label>
      )}
      {pane.files.map((file) => (
        <div key={file.id} className="file" data-testid={`file-${side}`}>
          <div className="file-head">
            <strong>{file.name}</strong>
            {file.blob === null && <span className="tag">live feature maps</span>}
            {file.blob === null && file.relayout && <LayoutChoiceControl side={side} file={file} workspace={workspace} label="layout where the graph does not tell" title="for the tensors whose layout the graph does not give" />}
            {file.blob !== null && file.origin === 'example' && <span className="tag">example</span>}
            {file.results && <span className="tag" title={`${file.results.origin}; kappa ${file.results.params.kappa}, dc ${file.results.params.dc}, domain ${file.results.params.domain}`}>results: SROPs only</span>}
            {file.notHere && <span className="tag" title={file.notHere.reason}>{file.notHere.kind === 'profiles' ? 'profiles only' : 'not kept: pick it again'}</span>}
            {file.blob !== null && !file.results && !file.notHere && <LayoutChoiceControl side={side} file={file} workspace={workspace} label="layout" />}
            <button type="button" onClick={() => content.remove(side, file.id)} aria-label={`Remove ${file.name}`}>Remove</button>
          </div>
          <table className="layers">
            <thead>
              <tr><th scope="col">layer</th><th scope="col">shape N×C×H×W</th><th scope="col">dtype</th><th scope="col">layout</th><th scope="col">status</th></tr>
            </thead>
            <tbody>
              {file.layers.map((e) => (
                <tr key={e.id} data-layer={e.layer.name} data-status={e.status}>
                  <td>{e.layer.name}</td>
                  <td>{e.layer.shape.join('×')}</td>
                  <td>{e.layer.dtype}</td>
                  <td title={e.layer.layoutReason}>{e.layer.layout.toUpperCase()} <span className="hint">({e.layer.layoutReason})</span></td>
                  <td>{e.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
