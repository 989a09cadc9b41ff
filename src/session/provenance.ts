// What every export carries so that its numbers can be reproduced: the app and its version, the
// SROP parameters, the engine and its adapter, the model (its name and the SHA-256 of its bytes),
// the preprocessing, how B was made from A, and the files and inputs each side showed. Also the
// exports' file names, which carry the model, the side where there is one, and kappa, so that
// exports made at two kappas (or of two models) do not overwrite each other.

import { APP_NAME, APP_VERSION } from '../version';
import type { SropParams } from '../analysis/srop';
import type { Preprocessing, Rect } from '../model/preprocess';
import type { BChange, ModelState } from './modelStore';
import type { SideName, WorkspaceState } from './workspace';

export { APP_NAME, APP_VERSION };

export interface SideProvenance {
  /** The activation files shown (a live model's feature maps are named `<model> (live)` by the workspace). */
  files: string[];
  /** One input of the batch, or all of it. */
  input: number | 'pooled';
  /** The live model's input on this side (an image's or a tensor's file name), or null. */
  liveInput: string | null;
  /** For a B made from A: the change, its rectangle (pixels of A's image), sigma, fill and source. */
  recipe: { change: BChange; rect: Rect | null; sigma: number | null; value: number; fill?: string; from: string } | null;
}

export interface Provenance {
  app: string;
  version: string;
  /** When the export was made (ISO 8601, UTC). */
  exported: string;
  params: SropParams;
  engine: { backend: string; adapter: string | null };
  model: { name: string; sha256: string; bytes: number; producer: string; input: string; provider: string | null } | null;
  preprocessing: Preprocessing | null;
  sides: Record<SideName, SideProvenance>;
}

export function provenanceOf(
  workspace: Pick<WorkspaceState, 'params' | 'panes'>,
  model: Pick<ModelState, 'model' | 'preprocessing' | 'inputs' | 'providerInUse'>,
  engine: { backend: string; adapter: string | null },
  now: Date = new Date(),
): Provenance {
  const side = (name: SideName): SideProvenance => {
    const pane = workspace.panes[name];
    const input = model.model ? model.inputs[name] : null;
    const recipe = input?.recipe ?? null;
    return {
      files: pane.files.map((f) => f.name),
      input: pane.input ?? 'pooled',
      liveInput: input?.name ?? null,
      recipe: recipe && {
        change: recipe.kind,
        rect: recipe.rect,
        sigma: recipe.sigma,
        value: recipe.value,
        ...(recipe.fill ? { fill: recipe.fill } : {}),
        from: recipe.from,
      },
    };
  };
  const m = model.model;
  return {
    app: APP_NAME,
    version: APP_VERSION,
    exported: now.toISOString(),
    params: { ...workspace.params },
    engine: { backend: engine.backend, adapter: engine.adapter },
    model: m && { name: m.name, sha256: m.sha256, bytes: m.bytes, producer: m.producer, input: `${m.inputName} [${m.inputDims.map((d) => d ?? '?').join(', ')}]`, provider: model.providerInUse },
    preprocessing: m ? model.preprocessing : null,
    sides: { A: side('A'), B: side('B') },
  };
}

/** A name part safe in a file name: letters, digits, `.`, `_` and `-`; the extension of a model file dropped. */
export function fileNamePart(text: string): string {
  return text.replace(/\.(onnx|npz|npy|safetensors|pt|pth|h5|hdf5)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
}

/**
 * An export's file name: `<base>[-<model>][-<side>]-k<kappa>.<ext>`. Without a live model, the
 * model part is the first activation file's name (A's, else B's) when there is one.
 */
export function exportFileName(base: string, p: Pick<Provenance, 'model' | 'params' | 'sides'>, ext: string, side?: SideName): string {
  const source = p.model?.name ?? p.sides.A.files[0] ?? p.sides.B.files[0] ?? null;
  const parts = [base, source ? fileNamePart(source) : null, side ?? null, `k${p.params.kappa}`].filter((x): x is string => !!x);
  return `${parts.join('-')}.${ext}`;
}

function flat(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\r?\n/g, ' ');
}

/** The provenance as `# key: value` lines, the head of every CSV export (read with `comment='#'`). */
export function provenanceLines(p: Provenance): string[] {
  const lines: Array<[string, unknown]> = [
    ['app', `${p.app} ${p.version}`],
    ['exported', p.exported],
    ['params', Object.entries(p.params).map(([k, v]) => `${k}=${v}`).join(' ')],
    ['engine', `${p.engine.backend}${p.engine.adapter ? ` (${p.engine.adapter})` : ''}`],
  ];
  if (p.model) {
    lines.push(['model', p.model.name], ['model_sha256', p.model.sha256], ['model_bytes', p.model.bytes], ['model_input', p.model.input]);
    if (p.model.provider) lines.push(['model_provider', p.model.provider]);
  }
  if (p.preprocessing) lines.push(['preprocessing', p.preprocessing]);
  for (const name of ['A', 'B'] as const) {
    const s = p.sides[name];
    if (s.files.length) lines.push([`files_${name}`, s.files.join(' | ')]);
    lines.push([`input_${name}`, s.input]);
    if (s.liveInput) lines.push([`live_input_${name}`, s.liveInput]);
    if (s.recipe) lines.push([`recipe_${name}`, s.recipe]);
  }
  return lines.map(([k, v]) => `# ${k}: ${flat(v)}`);
}
