// The session's controls: Save session (one .srop.zip, activation files up to a size the user
// sets), Open session (or a .srop.zip dropped on the page), New session (forgets the session kept
// in this browser and opens the page afresh), what is kept in this browser, and the question
// before leaving while something runs. The work is the session's (src/session/session.ts,
// sessionKeeper.ts); this component only calls it.
import { useEffect, useRef, useState } from 'react';
import { download } from './exporters';
import { useSession, useStore } from './useSession';
import type { Session } from '../session/session';
import { DEFAULT_BOUND, type KeeperState } from '../session/sessionKeeper';

const MB = 1024 * 1024;
/** A session file's name. */
export const SESSION_FILE = /\.srop\.zip$/i;

/** Opens a session file; its notes, or the one message saying why it cannot be opened, go to the session bar. */
export async function openSession(session: Session, file: { name: string; blob: Blob }): Promise<void> {
  try {
    const notes = await session.openSessionFile(file);
    if (notes) session.keeper?.report(null, [`${file.name} opened`, ...notes]);
  } catch (error) {
    session.keeper?.report(`${(error as Error).message}. What was open stays.`);
  }
}

const idleKeeper: KeeperState = { bound: DEFAULT_BOUND, kept: null, pending: false, leftOut: [], message: null, error: null, notes: [] };
const noStore = { subscribe: () => () => {}, snapshot: () => idleKeeper };

export function SessionBar() {
  const session = useSession();
  const keeper = session.keeper;
  const state = useStore(keeper ?? (noStore as never)) as KeeperState;
  const [fileMb, setFileMb] = useState(100);
  const [saving, setSaving] = useState(false);
  const leaving = useRef(false);

  // Leaving (or reloading) while something runs asks first; a change not yet kept is written as the page goes.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (leaving.current || !session.busy()) return;
      event.preventDefault();
      event.returnValue = '';
    };
    // What is still waiting for its write (a change in the last second) is written as the page
    // goes; a session already kept is not written again while the page is being put away.
    const onHide = () => {
      if (keeper?.state.pending) void keeper.flush();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onHide);
    };
  }, [session, keeper]);

  const save = async () => {
    setSaving(true);
    try {
      const file = await session.sessionFile(fileMb * MB);
      download(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), file.name);
      keeper?.report(null, [`Saved ${file.name}${file.leftOut.length ? ` without ${file.leftOut.join(', ')} (past ${fileMb} MB of activation files): raise the size to include ${file.leftOut.length === 1 ? 'it' : 'them'}` : ''}`]);
    } catch (error) {
      keeper?.report(`The session could not be saved: ${(error as Error).message}`);
    } finally {
      setSaving(false);
    }
  };

  const startAfresh = async () => {
    leaving.current = true;
    session.workspace.cancel();
    session.lab.cancel();
    await keeper?.clear();
    window.location.reload();
  };

  const kept = state.kept ? `kept in this browser (${(state.kept.bytes / MB).toFixed(1)} MB of at most ${Math.round(state.bound / MB)} MB)` : state.pending ? 'being kept in this browser' : 'nothing kept in this browser yet';
  return (
    <div className="session-bar" role="group" aria-label="Session">
      <button type="button" disabled={saving} onClick={() => void save()} title="one .srop.zip file: parameters, model, images, profiles, lab results, and the activation files up to the size set">
        Save session
      </button>
      <label title="activation files are included in a saved session up to this many MB in all; the others are named, to be picked again">
        with activation files up to{' '}
        <input type="number" aria-label="Activation files in a saved session (MB)" min={0} step={10} value={fileMb} style={{ width: '5em' }} onChange={(e) => setFileMb(Math.max(0, Number(e.target.value) || 0))} /> MB
      </label>
      <label className="file-button">
        Open session{' '}
        <input
          type="file"
          aria-label="Open session"
          accept=".zip,application/zip"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void openSession(session, { name: file.name, blob: file });
          }}
        />
      </label>
      <button type="button" onClick={() => void startAfresh()} title="forget the session kept in this browser and open the page afresh (the demo)">
        New session
      </button>
      <span className="hint" data-testid="session-kept">{kept}</span>
      {state.message && (
        <div className="notice" role="status" data-testid="session-bound">
          {state.message}
        </div>
      )}
      {state.error && (
        <div className="error" role="alert" data-testid="session-error">
          {state.error} <button type="button" onClick={() => keeper?.report(null, state.notes)}>Dismiss</button>
        </div>
      )}
      {state.notes.length > 0 && (
        <div className="notice" role="status" data-testid="session-notes">
          {state.notes.join('; ')} <button type="button" onClick={() => keeper?.report(state.error)}>Dismiss</button>
        </div>
      )}
    </div>
  );
}
