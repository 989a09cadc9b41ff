// When the GPU engine's calls and chunks run: calls submit one after another (they share the
// pipelines) while their read-backs may overlap, and at most IN_FLIGHT chunks are submitted and
// not yet read back, across calls: a call returns once its chunks are read back, but the next one
// may upload and submit while the GPU works on (and the CPU reads) the one before.

/** Chunks submitted and not yet read back, at most (each pipeline has this many read-back buffers). */
export const IN_FLIGHT = 2;

export interface SchedulerHooks {
  /** A call starts (none may be running before). */
  onBusy(): void;
  /** The last running call has ended. */
  onIdle(): void;
}

export class ChunkScheduler {
  /** Chunks submitted and not yet read back, oldest first, whatever call submitted them. */
  private readonly inFlight: Promise<unknown>[] = [];
  /** The submissions of the calls so far, settled once the last one has submitted. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Calls not yet finished (submitted and read back). */
  private busy = 0;

  constructor(private readonly hooks: SchedulerHooks) {}

  /**
   * Runs `submit` once the submissions of the calls before it are done (not their read-backs),
   * then waits for what it returns: the call's result once its chunks are read back.
   */
  async run<T>(submit: () => Promise<{ done: Promise<T> }>): Promise<T> {
    this.busy++;
    this.hooks.onBusy();
    try {
      const submitted = this.queue.then(submit, submit);
      this.queue = submitted.catch(() => undefined);
      const { done } = await submitted;
      return await done;
    } finally {
      this.busy--;
      if (this.busy === 0) this.hooks.onIdle();
    }
  }

  /** Waits until fewer than IN_FLIGHT chunks are in flight (a failed one counts as done: its own call reports it). */
  async freeSlot(): Promise<void> {
    while (this.inFlight.length >= IN_FLIGHT) {
      await this.inFlight[0];
    }
  }

  /** Counts a submitted chunk as in flight until `settled` settles (it must not reject). */
  track(settled: Promise<unknown>): void {
    this.inFlight.push(settled);
    void settled.then(() => this.inFlight.splice(this.inFlight.indexOf(settled), 1));
  }
}
