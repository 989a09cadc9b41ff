import { expect, test } from '@playwright/test';

test('the page names the engine: auto takes the CPU on SwiftShader, a software adapter', async ({ page }) => {
  await page.goto('/?nodemo');
  await expect(page.getByTestId('engine-backend')).toHaveText('CPU engine');
  await expect(page.getByTestId('engine-reason')).toContainText(/software/);
  await expect(page.getByTestId('engine-reason')).toContainText(/SwiftShader/i);
});

test('the GPU engine can be forced, and survives a lost device', async ({ page }) => {
  await page.goto('/?nodemo&backend=gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  await expect(page.getByTestId('engine-reason')).toContainText(/SwiftShader/i);
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
