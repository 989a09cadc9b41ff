// The documentation's screenshots, taken at 1280 px on the demo (docs/screenshot.png for the README,
// docs/lab-*.png for docs/models-and-lab.md: occlusion, randomisation, training, training over
// the demo's structures, architecture). Not a test: it runs only with SROP_SCREENSHOTS=1
// (`SROP_SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts` after `npm run build:e2e`).
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

const docs = join(import.meta.dirname, '..', 'docs');

test.skip(process.env.SROP_SCREENSHOTS !== '1', 'screenshots only with SROP_SCREENSHOTS=1');

test('docs screenshots at 1280 px', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  // The demo opens the layer that moved most and its most changed channel.
  await expect(page.getByTestId('channel-detail')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Sweep κ' }).click();
  await expect(page.getByTestId('sweep-wasserstein')).toBeVisible();
  await page.waitForTimeout(800);
  // The feature-map list folded; from the top of the page to the end of the layer view (beside it,
  // the channel view's A side).
  await page.locator('.candidates > summary').click();
  await page.waitForTimeout(300);
  const bottom = await page.getByTestId('layer-detail').evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY + 8);
  await page.screenshot({ path: join(docs, 'screenshot.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) } });

  const lab = page.getByTestId('lab');
  await page.getByRole('button', { name: 'Run occlusion' }).click();
  await expect(page.getByTestId('occlusion-correlation')).toBeVisible({ timeout: 300_000 });
  await lab.screenshot({ path: join(docs, 'lab-occlusion.png') });
  await page.getByRole('tab', { name: 'Parameters: randomisation' }).click();
  await page.getByRole('button', { name: 'Run randomisation' }).click();
  await expect(page.getByTestId('randomisation-summary')).toBeVisible({ timeout: 300_000 });
  await lab.screenshot({ path: join(docs, 'lab-randomisation.png') });
  await page.getByRole('tab', { name: 'Training: checkpoints' }).click();
  await page.getByRole('button', { name: 'Use the demo checkpoints' }).click();
  await expect(page.getByTestId('training-chart')).toBeVisible({ timeout: 300_000 });
  await lab.screenshot({ path: join(docs, 'lab-training.png') });
  // Every structure of the demo, over its checkpoints; then the architecture view of them all.
  const idle = () => page.waitForFunction(() => !(window as unknown as { sropLab: { state: { running: unknown } } }).sropLab.state.running, undefined, { timeout: 600_000 });
  for (const box of await page.getByRole('checkbox', { name: /^Training series / }).all()) await box.check();
  await page.getByRole('button', { name: 'Use the demo checkpoints' }).click();
  await page.waitForTimeout(500);
  await idle();
  await expect(page.getByTestId('training-series-chart')).toBeVisible();
  await page.waitForTimeout(500);
  await lab.screenshot({ path: join(docs, 'lab-training-structures.png') });
  await page.getByRole('tab', { name: /Architecture/ }).click();
  await page.getByRole('button', { name: 'Compare the demo structures' }).click();
  await page.waitForTimeout(500);
  await idle();
  await expect(page.getByTestId('architecture-chart')).toBeVisible();
  await page.waitForTimeout(500);
  await lab.screenshot({ path: join(docs, 'lab-architecture.png') });
});
