// The session kept in the browser's own storage (IndexedDB, src/io/keptSession.ts) as it changes,
// so that a reload puts it back: the keeper writes the session's document (sessionSnapshot.ts) a
// moment after each change (at most one write per `delayMs`, skipped when nothing kept changed),
// and restores it when the page opens.
//
// The bound: at most `bound` bytes (default 500 MB, or half of what the browser grants this site
// when that is less). Past it, activation files' bytes are left out first (in pane order, the
// later ones first to go), and the page names them: after a reload their layers show from their
// profiles and their maps need the file picked again. When the rest alone (the model, the
// images, the profiles) is past the bound, nothing is kept, the kept session is removed, and a
// message says so (Save session keeps it as a file).

import type { SessionDocument } from './sessionDocument';
import { checkSessionDocument } from './sessionDocument';
import { documentBytes, leftOutFiles, sizeWords } from './sessionSnapshot';
import type { SnapshotOptions } from './sessionSnapshot';
import type { RestoreOptions } from './sessionSnapshot';
import { Store } from './store';
import { SIDES } from './workspaceState';
import type { Workspace } from './workspace';
import type { ModelStore } from './modelStore';
import type { LabStore } from './labStore';

/** Where the document is kept (the browser's IndexedDB; a map in tests). */
export interface KeptStorage {
  read(): Promise<unknown>;
  write(doc: SessionDocument): Promise<void>;
  clear(): Promise<void>;
  /** What the browser grants this site, in bytes, where it says (navigator.storage.estimate). */
  quota(): Promise<number | null>;
}

export const DEFAULT_BOUND = 500 * 1024 * 1024;
export const KEPT_WHERE = 'the session kept in this browser';

export interface KeeperState {
  /** The bound on what is kept, in bytes. */
  bound: number;
  /** The last write: when, and how many bytes it held. */
  kept: { at: string; bytes: number } | null;
  /** A change not written yet. */
  pending: boolean;
  /** Files whose bytes the last write left out (names and sizes). */
  leftOut: string[];
  /** Why the session is not (wholly) kept in this browser; null when it is. */
  message: string | null;
  /** A session that could not be restored, opened or saved: one message naming the file and the reason. */
  error: string | null;
  /** What the last restore or save said (layers resumed, files not kept). */
  notes: string[];
}

/** What the keeper needs of the session. */
export interface KeeperHost {
  workspace: Workspace;
  model: ModelStore;
  lab: LabStore;
  snapshot(options?: SnapshotOptions): SessionDocument;
  restore(doc: SessionDocument, options: Omit<RestoreOptions, 'signal'> & { engineChoice?: boolean }): Promise<string[] | null>;
}

/** `promise`, or a rejection with `message` when it has not settled within `ms`. */
function withinTime<T>(promise: Promise<T>, ms: number, message = `no answer in ${ms} ms`): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class SessionKeeper extends Store<KeeperState> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private watching = false;
  private stopped = false;
  private lastKey: unknown[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Resolves once the kept session is restored (true) or there was none to restore (false). */
  started: Promise<boolean> = Promise.resolve(false);

  constructor(
    private readonly host: KeeperHost,
    private readonly storage: KeptStorage,
    private readonly delayMs = 1000,
    /** How long the page waits for the browser's storage to give the kept session, and its quota. */
    private readonly readWaitMs = 20_000,
    private readonly quotaWaitMs = 5_000,
    private readonly restoreWaitMs = 60_000,
  ) {
    super({ bound: DEFAULT_BOUND, kept: null, pending: false, leftOut: [], message: null, error: null, notes: [] });
  }

  /**
   * Restores the kept session, if any (not with `restore: false`: the page opens empty), then keeps
   * the page's as it changes. A kept session that cannot be restored is reported (and replaced by
   * the page's next change).
   */
  start(options: { engineChoice?: boolean; restore?: boolean } = {}): Promise<boolean> {
    this.started = (async () => {
      // The browser's storage answers in milliseconds; one that does not answer must not keep the
      // page blank (the demo waits for the restore): past these waits the page goes on, and says so.
      const quota = await withinTime(this.storage.quota(), this.quotaWaitMs).catch(() => null);
      // (a bound already lowered, by setBound while the quota was asked for, stays)
      if (quota) this.set({ bound: Math.min(this.state.bound, Math.floor(quota / 2)) });
      let restored = false;
      try {
        const value = options.restore === false ? null : await withinTime(this.storage.read(), this.readWaitMs, `${KEPT_WHERE}: the browser's storage did not answer in ${this.readWaitMs / 1000} s`);
        if (value) {
          // A restore reads headers, not maps: seconds even for a large session. One that has not
          // finished in a minute is given up (the demo's load then supersedes it), and said.
          const restoring = this.host.restore(checkSessionDocument(value, KEPT_WHERE), { where: KEPT_WHERE, interrupted: 'interrupted by a reload', engineChoice: options.engineChoice });
          const notes = await withinTime(restoring, this.restoreWaitMs, `${KEPT_WHERE}: its restore had not finished after ${this.restoreWaitMs / 1000} s, and the page went on without it`);
          restored = notes !== null;
          if (notes) this.set({ notes });
        }
      } catch (error) {
        const message = (error as Error).message;
        this.set({ error: `${message.startsWith(KEPT_WHERE) ? '' : `${KEPT_WHERE}: `}${message}; it could not be restored` });
      }
      this.watch();
      return restored;
    })();
    return this.started;
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    const changed = () => this.schedule();
    this.host.workspace.subscribe(changed);
    this.host.model.subscribe(changed);
    this.host.lab.subscribe(changed);
    this.lastKey = this.key();
  }

  /** What a write depends on: when none of it changed (a progress tick), nothing is written. */
  private key(): unknown[] {
    const w = this.host.workspace.state, m = this.host.model.state, l = this.host.lab.state;
    return [w.params, w.panes, m.model, m.loading, m.candidates, m.selected, m.labels, m.provider, m.preprocessing, m.inputs, m.predictions, m.perInput, m.timings, m.rect, l.occlusion, l.randomisation, l.training, l.architecture, l.running, this.state.bound];
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const key = this.key();
    if (key.every((v, i) => v === this.lastKey[i])) return;
    this.set({ pending: true });
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes the session now (the page calls it as it is hidden; tests wait on it). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.stopped) return;
    const key = this.key();
    const bound = this.state.bound;
    try {
      let doc = this.host.snapshot();
      let bytes = documentBytes(doc);
      if (bytes > bound) {
        const files = SIDES.reduce((sum, side) => sum + doc.panes[side].files.reduce((s, f) => s + (f.kind === 'file' && f.blob ? f.blob.size : 0), 0), 0);
        const rest = bytes - files;
        if (rest > bound) {
          await this.storage.clear();
          this.lastKey = key;
          this.set({ pending: false, kept: null, leftOut: [], message: `This session is not kept in this browser: without its activation files it holds ${sizeWords(rest)}, past the ${sizeWords(bound)} the browser keeps. A reload would lose it: use Save session to keep it as a file.` });
          return;
        }
        doc = this.host.snapshot({ fileBytes: bound - rest, leftOutReason: `past the ${sizeWords(bound)} this browser keeps` });
        bytes = documentBytes(doc);
      }
      await this.storage.write(doc);
      this.lastKey = key;
      const leftOut = leftOutFiles(doc);
      this.set({
        pending: false,
        kept: { at: new Date().toISOString(), bytes },
        leftOut,
        message: leftOut.length ? `Kept in this browser without ${leftOut.join(', ')} (past the ${sizeWords(bound)} it keeps): after a reload, pick ${leftOut.length === 1 ? 'it' : 'them'} again to see ${leftOut.length === 1 ? 'its' : 'their'} maps.` : null,
      });
    } catch (error) {
      this.set({ pending: false, message: `This session could not be kept in this browser (${(error as Error).message}): use Save session to keep it as a file.` });
    }
    // A change while it was written: written next.
    if (!this.key().every((v, i) => v === this.lastKey[i])) this.schedule();
  }

  /** A new bound on what is kept (bytes); the session is written again under it. */
  setBound(bytes: number): void {
    this.set({ bound: Math.max(0, bytes) });
    this.schedule();
  }

  /** What the page says about sessions: a session file that could not be opened (`error`), or what a restore or save said. */
  report(error: string | null, notes: string[] = []): void {
    this.set({ error, notes });
  }

  /** Forgets the kept session and stops keeping (the page is about to start afresh). */
  async clear(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.writing;
    await this.storage.clear();
    this.set({ kept: null, pending: false, leftOut: [], message: null, error: null, notes: [] });
  }
}
