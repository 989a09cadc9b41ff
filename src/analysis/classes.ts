// A model's class vector read as a researcher reads it: probabilities (softmax of logits, or the
// values themselves when they already are probabilities) and the top five classes with labels.

/** A tensor as the runtime returns it. */
export interface ClassTensor {
  dims: number[];
  data: Float32Array;
}

export interface Prediction {
  label: string;
  index: number;
  probability: number;
}

function softmax(values: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  const e = Float64Array.from(values, (v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** A class vector as probabilities: as given when it already sums to 1 with no negatives, softmax otherwise. */
export function classProbabilities(values: Float32Array): Float64Array {
  const sum = values.reduce((a, b) => a + b, 0);
  const isProbability = Math.abs(sum - 1) < 1e-3 && values.every((v) => v >= 0);
  return isProbability ? Float64Array.from(values) : softmax(values);
}

/** The model's class vector among its graph outputs: one axis longer than 1, at least two values. */
export function classVectorOf(outputs: Map<string, ClassTensor>, names: readonly string[]): ClassTensor | undefined {
  return names.map((o) => outputs.get(o)).find((t): t is ClassTensor => !!t && t.dims.filter((d) => d > 1).length === 1 && t.data.length >= 2);
}

/** Top five classes of a class vector (softmax unless it already sums to 1 with no negatives). */
export function topFive(values: Float32Array, labels: string[] | null): Prediction[] {
  const p = classProbabilities(values);
  return Array.from(p, (probability, index) => ({ index, probability, label: labels?.[index] ?? `class ${index}` }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, 5);
}


/**
 * The class vectors of a batch of `count` inputs: the graph output whose first axis is the batch
 * and whose rest is one input's class vector (as classVectorOf finds it); one vector per input.
 */
export function classVectorsOf(outputs: Map<string, ClassTensor>, names: readonly string[], count: number): Float32Array[] | undefined {
  if (count === 1) {
    const one = classVectorOf(outputs, names);
    return one ? [one.data] : undefined;
  }
  const t = names.map((o) => outputs.get(o)).find((x): x is ClassTensor => !!x && x.dims[0] === count && x.dims.slice(1).filter((d) => d > 1).length === 1 && x.data.length >= 2 * count);
  if (!t) return undefined;
  const k = t.data.length / count;
  return Array.from({ length: count }, (_, i) => t.data.subarray(i * k, (i + 1) * k));
}
