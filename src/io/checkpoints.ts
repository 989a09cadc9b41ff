// Training checkpoints as a user picks them: each file's step (from a manifest, or the number in its
// name), its series (the structure or run it belongs to) and its held-out accuracy (from a table or
// the demo's manifest). Plain parsing, no model.

/** A user's checkpoint file left out of the training view, and why. */
export interface LeftOut {
  name: string;
  reason: string;
}

/**
 * The training view's checkpoints from the files the user picked: the .onnx files with a step (from
 * the manifest, else the file name) and their accuracies from the table; the other files are
 * external data for them. Files without a step are left out, with the reason.
 */
export function checkpointsFrom<F extends { name: string }>(files: F[], table: ReturnType<typeof parseAccuracyTable> | null): { checkpoints: Array<{ name: string; step: number; accuracy: number | null; file: F; series: string }>; externalFiles: F[]; leftOut: LeftOut[] } {
  const checkpoints: Array<{ name: string; step: number; accuracy: number | null; file: F; series: string }> = [];
  const leftOut: LeftOut[] = [];
  const externalFiles: F[] = [];
  for (const f of files) {
    if (!/\.onnx$/i.test(f.name)) {
      externalFiles.push(f);
      continue;
    }
    const step = table?.steps?.get(f.name) ?? stepOf(f.name);
    if (step === null) {
      leftOut.push({ name: f.name, reason: table?.steps ? 'no step number in its name, and the manifest does not list it' : 'no step number in its name (and no manifest gives one)' });
      continue;
    }
    checkpoints.push({ name: f.name, step, accuracy: table?.get(f.name) ?? table?.get(String(step)) ?? null, file: f, series: table?.structures?.get(f.name) ?? seriesOf(f.name) });
  }
  return { checkpoints, externalFiles, leftOut };
}

/**
 * Step number of a checkpoint file: the number after "step", "iter", "epoch" or "ckpt"
 * ("resnet18_step1200.onnx", "ckpt-1200"), else the last number in the name ("run_1200.onnx").
 */
export function stepOf(name: string): number | null {
  const m = name.match(/(?:step|iter(?:ation)?|epoch|ckpt|checkpoint)[_-]?(\d+)/i) ?? name.match(/(\d+)(?!.*\d)/);
  return m ? Number(m[1]) : null;
}

/**
 * The series a checkpoint file belongs to: its name without the step and the extension
 * ("resnet_step1200.onnx" -> "resnet", "ckpt-5.onnx" -> "ckpt"), so that the checkpoints of several
 * runs picked together form one series each.
 */
export function seriesOf(name: string): string {
  const base = name.replace(/\.onnx$/i, '');
  const stripped = /(?:step|iter(?:ation)?|epoch|ckpt|checkpoint)[_-]?\d+/i.test(base)
    ? base.replace(/[_\-. ]*(?:step|iter(?:ation)?|epoch|ckpt|checkpoint)[_-]?\d+.*$/i, '')
    : base.replace(/[_\-. ]*\d+(?!.*\d).*$/, '');
  return stripped || base.match(/[a-z]+/i)?.[0] || 'checkpoints';
}

/**
 * Accuracies (and steps) for checkpoint files: a small table of lines "file-or-step,accuracy"
 * (header optional; percentages allowed), or a manifest in the demo's form,
 * {"checkpoints": [{"file", "step", "accuracy"}]}, whose steps then order the files.
 */
export function parseAccuracyTable(text: string): Map<string, number> & { steps?: Map<string, number>; structures?: Map<string, string> } {
  const out: Map<string, number> & { steps?: Map<string, number>; structures?: Map<string, string> } = new Map<string, number>();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    type Entry = { file?: string; step?: number; accuracy?: number; structure?: string };
    const manifest = JSON.parse(trimmed) as { checkpoints?: Entry[]; structures?: Array<{ id?: string; name?: string; checkpoints?: Entry[] }> };
    out.steps = new Map();
    out.structures = new Map();
    // The demo's manifest lists its first structure twice: as `checkpoints` and in `structures`.
    const entries = [...(manifest.checkpoints ?? []), ...(manifest.structures ?? []).flatMap((st) => (st.checkpoints ?? []).map((c) => ({ ...c, structure: st.name ?? st.id ?? c.structure })))];
    for (const c of entries) {
      if (!c.file) continue;
      if (typeof c.accuracy === 'number') out.set(c.file, c.accuracy);
      if (typeof c.step === 'number') out.steps.set(c.file, c.step);
      if (typeof c.structure === 'string') out.structures.set(c.file, c.structure);
    }
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    const [key, value] = line.split(/[,\t;]/).map((s) => s.trim());
    if (!key || value === undefined) continue;
    const v = Number(value.replace('%', ''));
    if (!Number.isFinite(v)) continue;
    out.set(key, value.includes('%') || v > 1 ? v / 100 : v);
  }
  return out;
}
