import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { DEV_PORT } from '../playwright.config';
import { float32Npy } from '../src/testing/npyFile';
import { holdEngineBack } from './helpers/panes';
import { ENGINE_WASM_BASE64 } from '../src/engine/wasm/engineWasm';

// The page's CPU engine runs on Web Workers (src/engine/cpuPoolWeb.ts): in the built app and under the
// dev server, within the page's content security policy, with the results of the engine on the
// page's own thread (?threads=0) bit for bit (the workers on the WebAssembly kernels, the page's
// thread on the TypeScript ones until its background compile ends), and through Cancel and the
// engine override.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'fixtures', 'visualiser');
const devURL = `http://127.0.0.1:${DEV_PORT}/`;

/** Counts policy violations from the first script on (a worker refused by the CSP would show here). */
async function watchPolicy(page: Page) {
  await page.addInitScript(() => {
    (window as unknown as { violations: string[] }).violations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** Loads the visualiser fixtures into A and returns every SROP (as bits) and status, layer by layer. */
async function profileFixtures(page: Page, url: string) {
  await page.goto(url);
  await expect(page.getByTestId('engine-backend')).toHaveText('CPU engine');
  await page.getByLabel('Input A activations').setInputFiles([join(fixtures, 'a.npz'), join(fixtures, 'b_nhwc.safetensors')]);
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(10, { timeout: 120_000 });
  await expect(page.getByTestId('errors-A')).toHaveCount(0);
  return page.evaluate(() => {
    const ws = (window as unknown as { sropWorkspace: { results(side: 'A'): Array<{ name: string; file: string; srop: Float64Array; status: Uint8Array; profiles: { inDisc: Float64Array } }> } }).sropWorkspace;
    const hex = (a: Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
    return ws.results('A').map((r) => ({ layer: `${r.file}:${r.name}`, srop: hex(r.srop), status: Array.from(r.status), profile: hex(r.profiles.inDisc) }));
  });
}

const cpuWorkers = (page: Page) => page.workers().filter((w) => /cpuWorker/.test(w.url()));

test('the built app profiles on Web Workers, under its policy, with the results of the engine on the page\'s thread, bit for bit', async ({ page }) => {
  await watchPolicy(page);
  const pooled = await profileFixtures(page, '/?nodemo&backend=cpu&threads=2');
  expect(cpuWorkers(page).length).toBe(2);
  await expect(page.getByTestId('engine-backend')).toHaveAttribute('title', 'float64, on 2 workers beside the page');
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
  // The workers may compile the engine's WebAssembly kernels (SIMD) under the page's policy.
  for (const worker of cpuWorkers(page)) {
    const compiled = await worker.evaluate((base64) => {
      try {
        return new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))) instanceof WebAssembly.Module ? 'compiled' : 'no module';
      } catch (error) {
        return String(error);
      }
    }, ENGINE_WASM_BASE64);
    expect(compiled).toBe('compiled');
  }

  const onPage = await profileFixtures(page, '/?nodemo&backend=cpu&threads=0');
  expect(cpuWorkers(page).length).toBe(0);
  await expect(page.getByTestId('engine-backend')).toHaveAttribute('title', "float64, on the page's own thread");
  expect(pooled.length).toBe(10);
  expect(pooled).toEqual(onPage);

  // By default: hardwareConcurrency - 1 workers, at least one.
  await profileFixtures(page, '/?nodemo&backend=cpu');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(cpuWorkers(page).length).toBe(Math.max(1, cores - 1));
});

test('the dev server (npm start) runs the workers too, under its policy', async ({ page }) => {
  await watchPolicy(page);
  const response = await page.goto(devURL + '?nodemo');
  expect(response!.headers()['content-security-policy']).toContain("worker-src 'self' blob:");
  const pooled = await profileFixtures(page, devURL + '?nodemo&backend=cpu&threads=2');
  expect(cpuWorkers(page).length).toBe(2);
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
  expect(pooled.every((l) => l.status.length > 0)).toBe(true);
});

test('with the pool: the engine override, and Cancel and Resume of a long load', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  // 24 layers of 256 maps of 64 x 64 (25 M values), written to files.
  const dir = mkdtempSync(join(tmpdir(), 'srop-pool-'));
  try {
    const files = Array.from({ length: 24 }, (_, k) => {
      const values = Float32Array.from({ length: 256 * 64 * 64 }, (_, i) => Math.max(0, Math.sin(i * 0.37 + k) * Math.cos(i * 0.0011 * (1 + (k % 5)))));
      const path = join(dir, `big${k}.npy`);
      writeFileSync(path, float32Npy(values, [1, 256, 64, 64]));
      return path;
    });
    // The WebAssembly engine takes well under a second over these: each layer is held back on the
    // page's engine (and on the new engine object after the switch back) so that the queue lasts.
    await holdEngineBack(page, 150);
    await page.getByLabel('Input A activations').setInputFiles(files);
    const progress = page.getByTestId('progress');
    await expect(progress).toContainText(/\d+ \/ 24 layers; A: big\d+\.npy/);
    // Switch to the GPU engine and back while a layer runs: nothing is lost or failed.
    const engine = page.getByLabel('Engine');
    await engine.selectOption('gpu');
    await engine.selectOption('cpu');
    await expect(page.getByTestId('engine-backend')).toHaveText('CPU engine');
    await holdEngineBack(page, 150);
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await expect(progress).toHaveCount(0);
    const cancelled = await page.locator('[data-status=cancelled]').count();
    expect(cancelled).toBeGreaterThan(0);
    await page.getByTestId('stalled').getByRole('button', { name: 'Resume' }).click();
    await expect(page.locator('[data-status=done]')).toHaveCount(24, { timeout: 170_000 });
    await expect(page.getByTestId('errors-A')).toHaveCount(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
