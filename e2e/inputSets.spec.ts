import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { downloadText } from './helpers/panes';

// Sets of inputs in the page: several images picked for A, "Make B from A" over the set (a paired
// set), thumbnails that show one input in the views with its top-5, images dropped together as one
// set, and exports with one input per image on each side (the per-map CSV's `input` column is the
// index in the set; the JSON names each input's file).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
const sample = (digit: number) => join(root, 'public', 'samples', `digit${digit}.png`);


async function settle(page: Page) {
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.locator('[data-status=queued], [data-status=running]')).toHaveCount(0, { timeout: 120_000 });
}

test('several images for A, B made from A: one input per image on each side, in the views and the exports', async ({ page }) => {
  await page.goto('/?backend=cpu&nodemo');
  await page.getByRole('button', { name: 'Load the demo model' }).click();
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await settle(page);
  const digits = [7, 1, 5, 2, 9];
  await page.getByLabel('Input A images').setInputFiles(digits.map(sample));
  await expect(page.getByTestId('set-count-A')).toContainText('5 inputs', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Blur' }).click();
  await expect(page.getByTestId('set-count-B')).toContainText('5 inputs', { timeout: 60_000 });
  await settle(page);
  const names = ['digit1.png', 'digit2.png', 'digit5.png', 'digit7.png', 'digit9.png'];
  await expect(page.getByTestId('pane-A').locator('.file-head strong')).toHaveText([`${manifest.final} on digit1.png and 4 more`]);
  await expect(page.getByTestId('pane-B').locator('.file-head strong')).toHaveText([`${manifest.final} on digit1.png and 4 more (blurred)`]);
  // Every live layer holds the 5 inputs on its batch axis.
  for (const side of ['A', 'B']) {
    const shapes = await page.getByTestId(`pane-${side}`).locator('tr[data-layer] td:nth-child(2)').allTextContents();
    expect(shapes.length).toBeGreaterThan(0);
    expect(shapes.every((s) => s.startsWith('5×'))).toBe(true);
  }
  // A thumbnail shows that input: the pane's batch item, its name and its top-5.
  await expect(page.getByTestId('set-A').getByRole('button')).toHaveCount(5);
  await page.getByRole('button', { name: "Show A's input 3: digit7.png" }).click();
  await expect(page.getByLabel('Input A batch item')).toHaveValue('3');
  await expect(page.getByTestId('live-A')).toContainText('digit7.png (4 of digit1.png and 4 more)');
  await expect(page.getByTestId('top5-A').locator('li')).toHaveCount(5);
  await expect(page.getByTestId('top5-A').locator('li').first()).toContainText('7');
  // The channel view shows input 3's map: the page runs that one input again for its values.
  const layer = (await page.getByTestId('pane-A').locator('tr[data-layer]').first().getAttribute('data-layer'))!;
  await page.getByTestId('overview').locator(`[data-layer="${layer}"]`).click();
  await page.getByTestId('layer-detail').getByRole('button', { name: 'Channel 1', exact: true }).click();
  const channel = page.getByTestId('channel-A');
  await expect(channel).toContainText('A: input 3, channel 1: SROP');
  await expect(channel.getByTestId('feature-map-A').locator('image')).toHaveCount(1);
  await expect(page.getByTestId('channel-detail').locator('.error')).toHaveCount(0);

  // The per-map CSV: inputs 0..4 on both sides, every layer's maps for each.
  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n').slice(1).map((l) => l.split(','));
  for (const side of ['A', 'B']) {
    const rows = csv.filter((r) => r[0] === side);
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(['0', '1', '2', '3', '4']));
    for (const layer of new Set(rows.map((r) => r[1]))) {
      const perInput = [0, 1, 2, 3, 4].map((i) => rows.filter((r) => r[1] === layer && r[2] === String(i)).length);
      expect(new Set(perInput).size).toBe(1);
    }
  }
  // The JSON names each input's file, in the order of the batch axis.
  const json = JSON.parse(await downloadText(page, 'Export JSON'));
  expect(json.input_files.A).toEqual(names);
  expect(json.input_files.B).toEqual(names.map((n) => `${n} (blurred)`));
  expect(json.A.every((l: { shape: number[] }) => l.shape[0] === 5)).toBe(true);
  expect(json.B.every((l: { shape: number[] }) => l.shape[0] === 5)).toBe(true);
});

test('images dropped together on a pane are one set; a file that cannot be decoded is named and left out', async ({ page }) => {
  await page.goto('/?backend=cpu&nodemo');
  await page.getByRole('button', { name: 'Load the demo model' }).click();
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await settle(page);
  const files = [3, 4, 8].map((d) => ({ name: `digit${d}.png`, data: [...readFileSync(sample(d))] }));
  await page.getByTestId('pane-B').evaluate((pane, given) => {
    const data = new DataTransfer();
    for (const f of given) data.items.add(new File([new Uint8Array(f.data)], f.name, { type: 'image/png' }));
    data.items.add(new File([new Uint8Array([1, 2, 3])], 'broken.png', { type: 'image/png' }));
    pane.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);
  await expect(page.getByTestId('set-count-B')).toContainText('3 inputs', { timeout: 60_000 });
  await expect(page.getByTestId('content-notice')).toContainText('B: 1 of 4 files left out: broken.png: the image could not be decoded');
  await settle(page);
  const shapes = await page.getByTestId('pane-B').locator('tr[data-layer] td:nth-child(2)').allTextContents();
  expect(shapes.every((s) => s.startsWith('3×'))).toBe(true);
});

test('a folder dropped on a pane is read whole (sub-folders too, hidden files left out) and is one set named by it', async ({ page }) => {
  await page.goto('/?backend=cpu&nodemo');
  await page.getByRole('button', { name: 'Load the demo model' }).click();
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await settle(page);
  const png = (d: number) => [...readFileSync(sample(d))];
  // The browser's entries API, stood in for: a folder "digits" with 3 images, a hidden file and a
  // sub-folder with one more image; readEntries gives at most 2 entries per call, as the real one
  // gives at most 100.
  await page.getByTestId('pane-A').evaluate((pane, files) => {
    const file = (path: string, data: number[]) => ({
      isFile: true, isDirectory: false, fullPath: path,
      file: (ok: (f: File) => void) => ok(new File([new Uint8Array(data)], path.split('/').pop()!, { type: 'image/png' })),
    });
    const folder = (path: string, children: unknown[]) => ({
      isFile: false, isDirectory: true, fullPath: path,
      createReader: () => {
        let at = 0;
        return { readEntries: (ok: (e: unknown[]) => void) => { const part = children.slice(at, at + 2); at += 2; setTimeout(() => ok(part)); } };
      },
    });
    const root = folder('/digits', [
      file('/digits/digit10.png', files.a), file('/digits/.DS_Store', [0]), file('/digits/digit2.png', files.b),
      folder('/digits/more', [file('/digits/more/digit1.png', files.c)]), file('/digits/digit3.png', files.d),
    ]);
    const data = { files: [] as File[], items: [{ kind: 'file', webkitGetAsEntry: () => root }], types: ['Files'] };
    const event = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: data });
    pane.dispatchEvent(event);
  }, { a: png(0), b: png(2), c: png(1), d: png(3) });
  await expect(page.getByTestId('set-count-A')).toContainText('4 inputs', { timeout: 60_000 });
  await settle(page);
  await expect(page.getByTestId('pane-A').locator('.file-head strong')).toHaveText([`${manifest.final} on digits/: 4 images`]);
  const json = JSON.parse(await downloadText(page, 'Export JSON'));
  // Name order, numbers as numbers.
  expect(json.input_files.A).toEqual(['digits/digit2.png', 'digits/digit3.png', 'digits/digit10.png', 'digits/more/digit1.png']);
});
