// The end-to-end tests and the benchmark watch the page's stores through a few window properties.
// They exist in the test build (`vite build --mode e2e`, see vite.config.ts) and on the dev
// server (`npm start`), never in the production build: there the condition is the constant false
// and the code is left out.

/** Puts `value` on `window[name]` in the test build and on the dev server; does nothing in production. */
export function exposeForTests(name: 'sropWorkspace' | 'sropModel' | 'sropLab' | 'sropEngineHost' | 'sropSession' | 'sropKeeper', value: unknown): void {
  if (import.meta.env.MODE !== 'production') (window as unknown as Record<string, unknown>)[name] = value;
}
