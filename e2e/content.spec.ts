import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { csvLines, downloadText } from './helpers/panes';

// What the page shows is what the user asked for. The demo's files (public/demo, public/samples)
// are held back by the test for a few seconds, so that the user acts while the demo loads every
// time: after everything settles, only the user's content is there and the exports hold only its
// layers. B follows A; a rectangle belongs to its image and can be typed from the keyboard.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
const finalModel = join(root, 'public', 'demo', manifest.final);
const torchModel = join(root, 'test', 'fixtures', 'model', 'torch_cnn.onnx');
const visualiser = join(root, 'test', 'fixtures', 'visualiser');
const sample = (digit: number) => join(root, 'public', 'samples', `digit${digit}.png`);
const HOLD_MS = 4000;

/** Holds the demo's files back: each request waits HOLD_MS; resolves with how many were answered so far. */
async function holdDemo(page: Page): Promise<() => number> {
  let answered = 0;
  for (const pattern of ['**/demo/**', '**/samples/**']) {
    await page.route(pattern, async (route) => {
      await new Promise((r) => setTimeout(r, HOLD_MS));
      answered++;
      await route.continue().catch(() => undefined);
    });
  }
  return () => answered;
}

async function csvRows(page: Page): Promise<string[][]> {
  // After the provenance lines (checked by downloadText) and the header.
  return csvLines(await downloadText(page, 'Export SROPs as CSV')).slice(1).map((l) => l.split(','));
}

async function settle(page: Page) {
  // Longer than the hold, so that the demo's held files have arrived (and been dropped).
  await page.waitForTimeout(HOLD_MS * 2 + 1000);
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.locator('[data-status=queued], [data-status=running]')).toHaveCount(0, { timeout: 120_000 });
}

const layersOf = async (page: Page, side: 'A' | 'B') => page.getByTestId(`pane-${side}`).locator('tr[data-layer]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-layer')!));
const filesOf = async (page: Page, side: 'A' | 'B') => page.getByTestId(`pane-${side}`).locator('.file-head strong').allTextContents();

test('a model and an image picked while the demo loads: the demo never takes over', async ({ page }) => {
  await holdDemo(page);
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('model-status')).toContainText('Loading');
  await page.getByLabel('Model (ONNX)').setInputFiles(torchModel);
  await expect(page.getByTestId('model-status')).toContainText('torch_cnn.onnx', { timeout: 60_000 });
  await page.getByLabel('Input A image').setInputFiles(sample(1));
  await settle(page);
  await expect(page.getByTestId('model-status')).toContainText('torch_cnn.onnx');
  await expect(page.getByTestId('model-status')).not.toContainText(manifest.final);
  await expect.poll(() => filesOf(page, 'A')).toEqual(['torch_cnn.onnx on digit1.png']);
  await expect.poll(() => filesOf(page, 'B')).toEqual([]);
  await expect(page.getByTestId('live-B')).not.toContainText('digit');
  const rows = await csvRows(page);
  expect(rows.every((r) => r[0] === 'A')).toBe(true);
  expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(await layersOf(page, 'A')));
});

test('two models picked in a row while the demo loads: the second one is shown', async ({ page }) => {
  await holdDemo(page);
  await page.goto('/?backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(torchModel);
  await page.getByLabel('Model (ONNX)').setInputFiles({ name: 'mine.onnx', mimeType: 'application/octet-stream', buffer: readFileSync(finalModel) });
  await settle(page);
  await expect(page.getByTestId('model-status')).toContainText('mine.onnx');
  await expect(page.getByTestId('model-status')).not.toContainText('torch_cnn.onnx');
  await expect(page.getByTestId('model-status')).not.toContainText('(the demo)');
  await expect.poll(() => filesOf(page, 'A')).toEqual([]);
  await expect.poll(() => filesOf(page, 'B')).toEqual([]);
  await expect(page.getByTestId('model-error')).toHaveCount(0);
});

test('activation files picked while the demo loads: only the user’s layers, in the page and the CSV', async ({ page }) => {
  await holdDemo(page);
  await page.goto('/?backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(visualiser, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(visualiser, 'b_nhwc.safetensors'));
  await settle(page);
  await expect.poll(() => filesOf(page, 'A')).toEqual(['a.npz']);
  await expect.poll(() => filesOf(page, 'B')).toEqual(['b_nhwc.safetensors']);
  await expect(page.getByTestId('model-status')).toContainText('No model');
  const rows = await csvRows(page);
  const names = new Set(rows.map((r) => r[1]));
  expect([...names].some((n) => n.startsWith('/Relu'))).toBe(false);
  expect(names).toEqual(new Set([...(await layersOf(page, 'A')), ...(await layersOf(page, 'B'))]));
});

test('"Load the example" while the demo loads: the example alone, and the user’s files then replace it', async ({ page }) => {
  await holdDemo(page);
  await page.goto('/?backend=cpu');
  await page.getByRole('button', { name: 'Load the example' }).click();
  await settle(page);
  await expect.poll(() => filesOf(page, 'A')).toEqual(['figure_a.npz']);
  await expect.poll(() => filesOf(page, 'B')).toEqual(['figure_b.npz']);
  await expect(page.getByTestId('model-status')).toContainText('No model');
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  await page.getByLabel('Input A activations').setInputFiles(join(visualiser, 'a.npz'));
  await expect(page.getByTestId('content-notice')).toContainText('the example was removed');
  await expect.poll(() => filesOf(page, 'A')).toEqual(['a.npz']);
  await expect.poll(() => filesOf(page, 'B')).toEqual([]);
});

test('B follows A: a blurred B is made again from a new A; an occluded B is marked stale and left out of the comparison', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5, { timeout: 120_000 });
  await expect(page.getByTestId('recipe-B')).toContainText('made from digit3.png: rectangle (13, 3) 12 x 11 px');
  await page.getByRole('button', { name: 'Blur' }).click();
  await expect(page.getByTestId('live-B')).toContainText('digit3.png (blurred)');
  await page.getByLabel('Input A image').setInputFiles(sample(7));
  await expect(page.getByTestId('live-B')).toContainText('digit7.png (blurred)');
  await expect(page.getByTestId('model-panel')).toContainText('B made again from digit7.png (blurred)');
  await expect(page.getByTestId('stale-B')).toHaveCount(0);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5, { timeout: 60_000 });
  await expect.poll(() => filesOf(page, 'B')).toEqual([`${manifest.final} on digit7.png (blurred)`]);

  // Occlusion from typed coordinates, with the keyboard only.
  await page.getByLabel('Rectangle x').focus();
  await page.keyboard.type('4');
  for (const value of ['6', '10', '12']) {
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(value);
  }
  await expect(page.getByLabel('Rectangle height')).toHaveValue('12');
  await page.getByRole('button', { name: 'Occlude the rectangle' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('recipe-B')).toContainText('made from digit7.png: rectangle (4, 6) 10 x 12 px');
  await expect(page.getByTestId('live-B')).toContainText('digit7.png (occluded)');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5, { timeout: 60_000 });

  // A new A clears the rectangle; the occluded B cannot follow it, so it is stale and out of the views.
  await page.getByLabel('Input A image').setInputFiles(sample(2));
  await expect(page.getByTestId('stale-B')).toContainText('made from digit7.png (occluded); A is now digit2.png');
  await expect(page.getByLabel('Rectangle x')).toHaveValue('');
  await expect(page.getByTestId('comparison-table')).toHaveCount(0);
  await expect.poll(() => filesOf(page, 'B')).toEqual([]);
  await page.getByRole('button', { name: 'Occlude the rectangle' }).click();
  await expect(page.getByTestId('model-error')).toContainText("Occlude: no rectangle: drag on A's image to draw one, or type its x, y, width and height");
  // The rows of the CSV are A's alone.
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 60_000 });
  expect((await csvRows(page)).every((r) => r[0] === 'A')).toBe(true);
});

test('activation files on a pane showing live feature maps replace them, and say so', async ({ page }) => {
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5, { timeout: 120_000 });
  await page.getByLabel('Input A activations').setInputFiles(join(visualiser, 'a.npz'));
  await expect(page.getByTestId('content-notice')).toContainText('the demo was removed');
  await expect(page.getByTestId('model-status')).toContainText('No model');
  await expect.poll(() => filesOf(page, 'A')).toEqual(['a.npz']);
  await expect.poll(() => filesOf(page, 'B')).toEqual([]);
  // With the user's own model and image, the files replace that side's maps only.
  await page.getByLabel('Model (ONNX)').setInputFiles(torchModel);
  await expect(page.getByTestId('model-status')).toContainText('torch_cnn.onnx');
  await page.getByLabel('Input B image').setInputFiles(sample(4));
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 60_000 });
  await page.getByLabel('Input B activations').setInputFiles(join(visualiser, 'b.npz'));
  await expect(page.getByTestId('content-notice')).toContainText('Pane B: b.npz replaces the live feature maps of digit4.png');
  await expect.poll(() => filesOf(page, 'B')).toEqual(['b.npz']);
  await expect.poll(() => filesOf(page, 'A')).toEqual(['a.npz']);
});
