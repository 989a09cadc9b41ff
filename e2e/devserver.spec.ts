import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { DEV_PORT } from '../playwright.config';

// `npm start` serves the sources through Vite's dev server, which loads onnxruntime-web's files
// differently from the built app: the demo must open by itself there too, with the same
// same-origin policy.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
const devURL = `http://127.0.0.1:${DEV_PORT}/`;

test('npm start (the dev server) opens on the demo, computed live, with nothing from other origins', async ({ page }) => {
  const origins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
  });
  const response = await page.goto(devURL);
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("default-src 'self'");
  expect(csp).not.toMatch(/https?:/);
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 120_000 });
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  await expect(page.getByTestId('top5-A').locator('li')).toHaveCount(5);
  expect([...origins]).toEqual([new URL(devURL).origin]);
});
