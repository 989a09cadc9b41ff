// One layer on the engine of the moment, with what happens when that engine goes away under it (a
// lost GPU device, a backend switched): the same function serves the page's queue and the command.

import { ActivationFileError, type Layer } from '../io/types';
import type { ProfileEngine, ProfileOptions, RingProfiles } from './types';

export interface RecoveryPolicy {
  /** The engine to use now. */
  engine(): ProfileEngine;
  /**
   * After `failed` failed on the layer (or finished after it was released): why it is no longer
   * the engine to use (it was released or replaced; the command waits for the replacement), or
   * null when the failure is the layer's own.
   */
  replaced(failed: ProfileEngine): Promise<string | null>;
  /**
   * How many times the layer runs again on the new engine (the command: once). The page runs it
   * zero times here: it queues the layer again, and re-measures everything on the new engine.
   */
  retries: number;
}

export type Profiled =
  | { kind: 'done'; profiles: RingProfiles; engine: ProfileEngine }
  | { kind: 'failed'; error: unknown }
  /** The engine went away under the layer and no retry is left: not the layer's fault. */
  | { kind: 'replaced'; reason: string; error: unknown };

/** The outcome, and each time the layer ran again on a new engine (why, and on which engine). */
export async function profileWithRecovery(layer: Layer, policy: RecoveryPolicy, options: ProfileOptions = {}): Promise<Profiled & { retried: Array<{ reason: string; next: ProfileEngine }> }> {
  const retried: Array<{ reason: string; next: ProfileEngine }> = [];
  for (let attempt = 0; ; attempt++) {
    const engine = policy.engine();
    let profiles: RingProfiles;
    try {
      profiles = await engine.profileLayer(layer, options);
    } catch (error) {
      // A file that cannot be read is the file's fault, whatever the engine does.
      if (error instanceof ActivationFileError || options.signal?.aborted) return { kind: 'failed', error, retried };
      const reason = await policy.replaced(engine);
      if (reason === null) return { kind: 'failed', error, retried };
      if (attempt >= policy.retries) return { kind: 'replaced', reason, error, retried };
      retried.push({ reason, next: policy.engine() });
      continue;
    }
    // Profiles from an engine released meanwhile are kept only where the policy retries nothing
    // (the command's engine finished its work; the page re-measures on the new one).
    if (policy.retries === 0 && (engine.released || engine !== policy.engine())) {
      const reason = (await policy.replaced(engine)) ?? 'the engine was replaced';
      return { kind: 'replaced', reason, error: new Error(reason), retried };
    }
    return { kind: 'done', profiles, engine, retried };
  }
}
