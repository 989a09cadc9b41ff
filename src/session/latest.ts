// The page's one rule for asynchronous loads: the newest user action wins. Each load of a slot (the
// model, a side's input, the demo) takes a signal from that slot's `Latest`; a newer load of the
// same slot aborts it. A load checks its signal after every await and drops its result when it is
// aborted (releasing what it made), so a late result never overwrites what the user asked for since.

/** Thrown (or used as the abort reason) when a newer action has superseded a load. */
export class Superseded extends Error {
  constructor(what = 'a newer action') {
    super(`superseded by ${what}`);
    this.name = 'Superseded';
  }
}

export class Latest {
  private controller: AbortController | null = null;

  /**
   * Starts a new load of the slot: the one before (if still pending) is aborted. With `parent`, the
   * new load is also aborted when the parent is (a step of a larger load, such as the demo's model).
   */
  begin(parent?: AbortSignal): AbortSignal {
    this.controller?.abort(new Superseded());
    const controller = new AbortController();
    this.controller = controller;
    if (parent) {
      if (parent.aborted) controller.abort(parent.reason);
      else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
    }
    return controller.signal;
  }

  /** Aborts the pending load, if any (nothing new starts). */
  abort(): void {
    this.controller?.abort(new Superseded());
    this.controller = null;
  }

  /** Whether `signal` is the slot's newest load and has not been aborted. */
  isCurrent(signal: AbortSignal): boolean {
    return this.controller?.signal === signal && !signal.aborted;
  }
}
