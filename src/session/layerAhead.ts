// The page's queue on an engine that overlaps layers (the CPU engine's pool): the next queued layer
// is started while one runs, so that the workers go on while the page's thread builds a layer's
// result and draws it (13 such hand-overs left one worker idle for a fifth of a VGG16 file's time:
// docs/benchmarks.md). The layer started ahead stays queued, shows no progress of its own, and is
// dropped if it is cancelled, removed, or not the next one when its turn comes. Plain TypeScript,
// used by the workspace (workspace.ts).

import type { profileWithRecovery } from '../engine/recovery';
import type { ProfileEngine } from '../engine/types';

export type Outcome = Awaited<ReturnType<typeof profileWithRecovery>>;
export type OnProgress = (done: number, total: number) => void;
/** Starts one layer's run on the engine of the moment, under `controller`. */
export type StartRun = (controller: AbortController, onProgress: OnProgress) => Promise<Outcome>;

interface Ahead {
  id: number;
  engine: ProfileEngine;
  controller: AbortController;
  outcome: Promise<Outcome>;
  /** Where its progress goes once it is the running layer (before that, nowhere). */
  progress: OnProgress | null;
}

export class LayerAhead {
  private ahead: Ahead | null = null;

  /**
   * The run of entry `id`, about to be the running layer: the one started ahead for it when there
   * is one on this engine (with its controller), else a new one under a new controller.
   */
  take(id: number, engine: ProfileEngine, start: StartRun, onProgress: OnProgress): { outcome: Promise<Outcome>; controller: AbortController } {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.id === id && ahead.engine === engine && !ahead.controller.signal.aborted) {
      ahead.progress = onProgress;
      return { outcome: ahead.outcome, controller: ahead.controller };
    }
    ahead?.controller.abort();
    const controller = new AbortController();
    return { outcome: start(controller, onProgress), controller };
  }

  /** Starts entry `id` (the next queued layer) ahead, on an engine that overlaps layers only. */
  startAhead(id: number, engine: ProfileEngine, start: StartRun): void {
    if (!engine.overlapsLayers || this.ahead) return;
    const controller = new AbortController();
    const ahead: Ahead = { id, engine, controller, outcome: Promise.resolve(null as unknown as Outcome), progress: null };
    ahead.outcome = start(controller, (done, total) => ahead.progress?.(done, total));
    ahead.outcome.catch(() => undefined);
    this.ahead = ahead;
  }

  /** Stops the layer started ahead, if any; with `listed`, only when its entry is no longer listed. */
  drop(listed?: (id: number) => boolean): void {
    if (!this.ahead || (listed && listed(this.ahead.id))) return;
    this.ahead.controller.abort();
    this.ahead = null;
  }
}
