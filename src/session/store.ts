// The session's one store base: state as an immutable snapshot, patched with `set`, and listeners
// told after every patch. React reads it with useSyncExternalStore (src/ui/useSession.ts); tests
// and the command read `state` directly.

export abstract class Store<S extends object> {
  private listeners = new Set<() => void>();

  protected constructor(private stateValue: S) {}

  get state(): S {
    return this.stateValue;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): S => this.stateValue;

  /** A new snapshot with `patch` applied; every listener is told. */
  protected set(patch: Partial<S>): void {
    this.stateValue = { ...this.stateValue, ...patch };
    for (const listener of this.listeners) listener();
  }
}
