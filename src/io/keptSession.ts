// The browser's own storage for the session kept between reloads: one record in IndexedDB
// (database "srop-lab", store "session", key "current"), written as it is (structured clone:
// typed arrays and Blobs are kept as they are, no zip). Nothing leaves the machine.

const DB = 'srop-lab';
const STORE = 'session';
const KEY = 'current';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

let opened: Promise<IDBDatabase> | null = null;
function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('this browser has no IndexedDB'));
      return;
    }
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB cannot be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
  });
  opened.catch(() => (opened = null));
  return opened;
}

async function transaction<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  // Writes are strict: reported done only once on disk, so that a reload right after one finds it.
  const tx = mode === 'readwrite' ? db.transaction(STORE, mode, { durability: 'strict' }) : db.transaction(STORE, mode);
  const result = request(work(tx.objectStore(STORE)));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (the storage may be full)'));
  });
  return result;
}

/** The kept session's storage in this browser (the session keeper's `KeptStorage`). */
export const browserKeptSession = {
  read: (): Promise<unknown> => transaction('readonly', (s) => s.get(KEY)),
  write: async (doc: unknown): Promise<void> => {
    await transaction('readwrite', (s) => s.put(doc, KEY));
  },
  clear: async (): Promise<void> => {
    await transaction('readwrite', (s) => s.delete(KEY));
  },
  quota: async (): Promise<number | null> => {
    const estimate = await navigator.storage?.estimate?.();
    return estimate?.quota ?? null;
  },
};
