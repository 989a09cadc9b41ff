// React's view of the session: one Session for the page (made in main.tsx, handed down by context),
// and its stores read as snapshots.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Session } from '../session/session';
import type { Store } from '../session/store';

export const SessionContext = createContext<Session | null>(null);

/** The page's session (main.tsx provides it). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session: render the app inside <SessionContext.Provider>');
  return session;
}

/** A store's current snapshot; the component renders again when it changes. */
export function useStore<S extends object>(store: Store<S>): S {
  return useSyncExternalStore(store.subscribe, store.snapshot);
}
