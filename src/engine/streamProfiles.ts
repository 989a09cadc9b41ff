// The ring profiles of a live set's layers, batch by batch: each batch of inputs is run once (every
// layer's output for those inputs, LayerStream), each layer's maps of the batch are profiled and
// dropped, and the profiles are joined into one [N * C] set per layer, so that no layer's maps of
// the whole set are ever held at once. The workspace (src/session/workspace.ts) keeps the layers'
// statuses around it.

import { memoryLayer, type LayerStream } from '../io/memoryLayer';
import type { Layer } from '../io/types';
import { copyProfilesInto, emptyProfiles } from './profileMath';
import type { ProfileEngine, RingProfiles } from './types';

/**
 * Every layer's joined profiles over the stream's inputs, or null when `signal` aborted. Throws
 * when the model gives no tensor for a layer, or one of another shape than the first input's.
 * `onBatch(inputsDone)` is told after each batch.
 */
export async function profileStream(layers: Layer[], stream: LayerStream, engine: ProfileEngine, signal: AbortSignal, onBatch: (inputsDone: number) => void): Promise<RingProfiles[] | null> {
  const n = stream.inputs;
  const joined: Array<RingProfiles | null> = layers.map(() => null);
  for (let first = 0; first < n; first += stream.batch) {
    const count = Math.min(stream.batch, n - first);
    const outputs = await stream.run(first, count, signal);
    if (signal.aborted) return null;
    for (const [j, layer] of layers.entries()) {
      const tensor = outputs.get(layer.name);
      if (!tensor) throw new Error(`the model gave no tensor ${layer.name} for inputs ${first} to ${first + count - 1}`);
      const part = memoryLayer(layer.name, layer.file, tensor, layer.layout, layer.layoutReason);
      const [pn, c, h, w] = part.shape;
      if (pn !== count || c !== layer.shape[1] || h !== layer.shape[2] || w !== layer.shape[3]) {
        throw new Error(`${layer.name} of inputs ${first} to ${first + count - 1} has shape ${part.shape.join('x')}, not ${count}x${layer.shape.slice(1).join('x')} as the first input's`);
      }
      const profiles = await engine.profileLayer(part, { signal });
      if (signal.aborted) return null;
      joined[j] ??= emptyProfiles(h, w, n * c, profiles.rings);
      copyProfilesInto(joined[j]!, profiles, first * c);
    }
    onBatch(first + count);
  }
  return joined as RingProfiles[];
}
