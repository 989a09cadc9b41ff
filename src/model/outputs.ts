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
