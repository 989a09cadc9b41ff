// React's view of the session: one Session for the page (made in main.tsx, handed down by context),
// and its stores read as snapshots.
import { createContext, useContext, useRef, useSyncExternalStore } from 'react';
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

/**
 * The list it was given last time while it holds the same items, in the same order: what is
 * derived from it (chart rows, their densities) is then not rebuilt when only something beside it
 * changed (a layer's status, the progress bar: several times per layer while a file is profiled).
 */
export function useSameItems<T>(list: T[]): T[] {
  const last = useRef(list);
  const previous = last.current;
  if (list !== previous && (list.length !== previous.length || list.some((item, i) => item !== previous[i]))) last.current = list;
  return last.current;
}
