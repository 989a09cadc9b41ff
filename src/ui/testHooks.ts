// The end-to-end tests and the benchmark watch the page's stores through a few window properties.
// They exist in the test build only (`vite build --mode e2e`, see vite.config.ts): in the
// production build the condition is the constant false and the code is left out.

/** Puts `value` on `window[name]` in the test build; does nothing in production. */
export function exposeForTests(name: 'sropWorkspace' | 'sropModel' | 'sropLab' | 'sropEngineHost', value: unknown): void {
  if (import.meta.env.MODE === 'e2e') (window as unknown as Record<string, unknown>)[name] = value;
}
