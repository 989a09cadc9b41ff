// A model run's outputs as the page and the command use them: the float32 tensors by name. Kept
// apart from the runtimes (onnxruntime-web in the page, onnxruntime-node in the command), so that
// neither bundle pulls in the other.

/** A feature map or class vector as a runtime returns it. */
export interface OutputTensor {
  dims: number[];
  data: Float32Array;
}

/** The float32 tensors among a run's results, by output name (the others are skipped). */
export function floatOutputs(results: Record<string, { type: string; dims: readonly (number | bigint)[]; data: unknown } | undefined>, outputs: readonly string[]): Map<string, OutputTensor> {
  const out = new Map<string, OutputTensor>();
  for (const name of outputs) {
    const t = results[name];
    if (!t || t.type !== 'float32') continue;
    out.set(name, { dims: t.dims.map(Number), data: t.data as Float32Array });
  }
  return out;
}

/**
 * Runs of one input each, joined along the batch axis: per name, the `count` runs' tensors one
 * after another, [count, ...]. A name missing from any run is left out.
 */
export function joinRuns(parts: ReadonlyArray<Map<string, OutputTensor>>, names: readonly string[], count: number): Map<string, OutputTensor> {
  const out = new Map<string, OutputTensor>();
  for (const name of names) {
    const all = parts.map((m) => m.get(name));
    if (all.some((t) => !t)) continue;
    const data = new Float32Array(all.reduce((k, t) => k + t!.data.length, 0));
    let at = 0;
    for (const t of all) {
      data.set(t!.data, at);
      at += t!.data.length;
    }
    out.set(name, { dims: [count, ...all[0]!.dims.slice(1)], data });
  }
  return out;
}
