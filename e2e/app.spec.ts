import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

/** The adapter this browser offers the page (asked as the page asks), with the page's own naming. */
async function offeredAdapter(page: Page): Promise<{ name: string; isFallback: boolean } | null> {
  return page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
    if (!adapter) return null;
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const parts = [info.description, info.vendor, info.architecture, info.device].filter((p) => !!p);
    const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return { name: info.description || parts.join(' ') || 'WebGPU adapter', isFallback: Boolean(info.isFallbackAdapter ?? legacy) };
  });
}

test('the page names the engine: auto takes the GPU engine on a hardware adapter, the CPU engine on a software one or none', async ({ page }) => {
  await page.goto('/?nodemo');
  const adapter = await offeredAdapter(page);
  const backend = page.getByTestId('engine-backend');
  const reason = page.getByTestId('engine-reason');
  if (adapter === null) {
    await expect(backend).toHaveText('CPU engine');
    await expect(reason).toContainText(/no WebGPU adapter|no navigator\.gpu|requestAdapter failed/);
  } else if (adapter.isFallback) {
    // SwiftShader, Chromium's software adapter where there is no GPU: slower than the CPU engine
    await expect(backend).toHaveText('CPU engine');
    await expect(reason).toHaveText(`CPU engine: the only adapter, ${adapter.name}, is a software one (slower than the CPU engine)`);
  } else {
    await expect(backend).toHaveText('GPU engine');
    await expect(reason).toHaveText(`GPU engine on ${adapter.name}`);
  }
});

test('the GPU engine can be forced, and survives a lost device', async ({ page }) => {
  await page.goto('/?nodemo&backend=gpu');
  const adapter = await offeredAdapter(page);
  expect(adapter, 'the end-to-end tests need WebGPU in Chromium (SwiftShader where there is no GPU)').not.toBeNull();
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  await expect(page.getByTestId('engine-reason')).toHaveText(`GPU engine on ${adapter!.name}, as asked`);
  await page.waitForFunction(() => 'sropEngineHost' in window);
  await page.evaluate(() => (window as unknown as { sropEngineHost: { loseDeviceForTesting(): void } }).sropEngineHost.loseDeviceForTesting());
  await expect(page.getByTestId('engine-notice')).toContainText('recovered on a new device');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
});

test('the engine override switches between CPU and GPU', async ({ page }) => {
  await page.goto('/?nodemo');
  await page.getByLabel('Engine').selectOption('gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  await page.getByLabel('Engine').selectOption('cpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('CPU engine');
  await expect(page.getByTestId('engine-reason')).toHaveText('CPU engine, as asked');
});

test('without WebGPU the CPU engine runs and says why', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/?nodemo&backend=gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('CPU engine');
  await expect(page.getByTestId('engine-reason')).toContainText('no navigator.gpu');
  await expect(page.getByTestId('engine-notice')).toContainText('GPU engine asked for');
});

test('nothing is requested from any origin but the page’s own, and a CSP forbids others', async ({ page, baseURL }) => {
  const origins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
  });
  await page.goto('/');
  await expect(page.getByTestId('engine-backend')).toBeVisible();
  // The demo loads its model, the runtime's WASM and the sample digit: all from the page's origin.
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  expect([...origins]).toEqual([new URL(baseURL!).origin]);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self'");
});

test('the production build (dist/) carries no test hooks and no engine check page; the test build does', async () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const scripts = (dir: string) => readdirSync(join(root, dir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(root, dir, 'assets', f), 'utf8'));
  for (const hook of ['sropWorkspace', 'sropModel', 'sropLab', 'sropEngineHost', 'sropSession', 'sropKeeper']) {
    expect(scripts('dist').some((code) => code.includes(hook)), `${hook} in dist/`).toBe(false);
    expect(scripts('dist-e2e').some((code) => code.includes(hook)), `${hook} in dist-e2e/`).toBe(true);
  }
  expect(existsSync(join(root, 'dist', 'e2e'))).toBe(false);
  expect(existsSync(join(root, 'dist-e2e', 'e2e', 'harness', 'index.html'))).toBe(true);
});
