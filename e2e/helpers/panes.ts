// What several end-to-end tests do to the panes: drop files as a browser does, wait until every
// layer is measured, and run the `srop` command on the same files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Drops the files `names` of folder `dir` on an element the way a browser does (a DataTransfer holding File objects). */
export async function dropFiles(page: Page, selector: string, dir: string, names: string[]) {
  const files = names.map((name) => ({ name, base64: readFileSync(join(dir, name)).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, base64 } of list) dt.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name));
    return dt;
  }, files);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer });
}

/** Waits until `layers` layers are done on the two panes together and nothing is queued or running. */
export async function waitIdle(page: Page, layers: number) {
  await expect(page.locator('[data-status=done]')).toHaveCount(layers, { timeout: 120_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.locator('[data-status=queued], [data-status=running]')).toHaveCount(0);
}

/**
 * Holds each layer back `ms` on the page's engine (the test hook sropEngineHost), so that a queue
 * lasts long enough to act on (cancel, reload) however fast the engine is.
 */
export async function holdEngineBack(page: Page, ms: number) {
  await page.waitForFunction(() => (window as unknown as { sropEngineHost?: unknown }).sropEngineHost !== undefined);
  await page.evaluate((delay) => {
    const engine = (window as unknown as { sropEngineHost: { engine: Record<string, (...a: unknown[]) => Promise<unknown>> } }).sropEngineHost.engine;
    const profile = engine.profileLayer.bind(engine);
    engine.profileLayer = async (...args: unknown[]) => {
      await new Promise((r) => setTimeout(r, delay));
      return profile(...args);
    };
  }, ms);
}

/** The `srop` command (CPU engine) run in `cwd`, as CSV lines; `compare` keeps its place first. */
export function sropCommand(cwd: string, args: string[]): string[] {
  const command = args[0] === 'compare' ? ['compare', '--backend', 'cpu', ...args.slice(1)] : ['--backend', 'cpu', ...args];
  const out = execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), ...command], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trim().split('\n');
}

/** A download's text; a CSV's leading provenance lines (`# key: value`) are checked and left out. */
export async function downloadText(page: Page, button: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const text = readFileSync(await download.path(), 'utf8');
  if (!download.suggestedFilename().endsWith('.csv')) return text;
  const lines = text.split('\n');
  const head = lines.findIndex((l) => !l.startsWith('# '));
  expect(lines.slice(0, head)).toEqual(expect.arrayContaining([expect.stringMatching(/^# app: SROP lab \d/), expect.stringMatching(/^# params: kappa=/), expect.stringMatching(/^# engine: (cpu|gpu)/), expect.stringMatching(/^# input_A: /)]));
  return lines.slice(head).join('\n');
}

/** A CSV export's lines without its provenance (`# key: value` lines at the top). */
export function csvLines(text: string): string[] {
  return text.trim().split('\n').filter((line) => !line.startsWith('#'));
}

/** CSV lines equal field by field: text exactly, numbers within `tolerance` (relative above 1); columns in `skip` are not compared. */
export function expectCsvClose(got: string[], want: string[], tolerance: number, skip: number[] = []) {
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i].split(','), w = want[i].split(',');
    expect(g.length, got[i]).toBe(w.length);
    for (let k = 0; k < g.length; k++) {
      if (skip.includes(k)) continue;
      const a = Number(g[k]), b = Number(w[k]);
      if (g[k] !== '' && w[k] !== '' && Number.isFinite(a) && Number.isFinite(b)) expect(Math.abs(a - b), `${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(b)));
      else expect(g[k], `${got[i]} vs ${want[i]}`).toBe(w[k]);
    }
  }
}
