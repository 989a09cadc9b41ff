import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { csvLines, downloadText } from './helpers/panes';

// "Open results" in real Chromium: the merged result of two `srop run` shards on pane A and a
// whole `srop run` on pane B fill the overview, the comparison and the layer view with no model
// and no activations; the page's comparison export equals `srop run --b`'s; the channel view says
// why it has no map or spectrum; the page's own JSON export opens again; a file that is not a
// results JSON is one message, what is loaded stays.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samples = join(root, 'public', 'samples');
const demo = join(root, 'public', 'demo', 'demo_step12000.onnx');
const LAYERS = ['/Relu_output_0', '/Relu_1_output_0', '/Relu_2_output_0', '/Relu_3_output_0', '/Relu_4_output_0'];

let dir = '';

function srop(args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}


test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'srop-results-'));
  for (const set of ['setA', 'setB']) mkdirSync(join(dir, set));
  for (let d = 0; d < 10; d++) copyFileSync(join(samples, `digit${d}.png`), join(dir, d < 5 ? 'setA' : 'setB', `digit${d}.png`));
  const run = ['run', '--model', demo, '--backend', 'cpu', '--format', 'json'];
  srop([...run, '--shard', '0/2', '--out', 'a0.json', 'setA']);
  srop([...run, '--shard', '1/2', '--out', 'a1.json', 'setA']);
  srop(['merge', 'a0.json', 'a1.json', '--out', 'a_all.json']);
  srop([...run, '--out', 'b.json', 'setB']);
});

test('Open results: a merged srop run on A and a whole one on B fill the overview, comparison and layer views; the channel view says why it has no map', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Open results A').setInputFiles(join(dir, 'a_all.json'));
  await page.getByLabel('Open results B').setInputFiles(join(dir, 'b.json'));
  for (const side of ['A', 'B']) {
    const pane = page.getByTestId(`pane-${side}`);
    await expect(pane.locator('table.layers tbody tr[data-status=done]')).toHaveCount(5);
    await expect(pane.getByText('results: SROPs only')).toBeVisible();
    await expect(pane.getByLabel(`Input ${side} batch item`)).toBeVisible();
  }
  await expect(page.getByTestId('content-notice')).toContainText('Pane B: b.json (srop run: 5 images, demo_step12000.onnx, 5 layers) opened as results');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);
  expect(await page.getByTestId('comparison-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-layer')))).toEqual(LAYERS);

  // The page's comparison of the two results files is the command's comparison of the two sets.
  const exported = csvLines(await downloadText(page, 'Export comparison as CSV'));
  const command = srop(['run', '--model', demo, '--backend', 'cpu', 'setA', '--b', 'setB']).trim().split('\n');
  expect(exported).toEqual(command);
  // And its per-map export is the merged result's maps (srop run's CSV, side A then B).
  const maps = csvLines(await downloadText(page, 'Export SROPs as CSV'));
  const merged = JSON.parse(readFileSync(join(dir, 'a_all.json'), 'utf8'));
  const rowsA = maps.filter((l) => l.startsWith('A,'));
  expect(rowsA).toHaveLength(merged.layers.reduce((n: number, l: { shape: number[] }) => n + l.shape[0] * l.shape[1], 0));
  const first = rowsA[1].split(',');
  expect(first.slice(0, 4)).toEqual(['A', '/Relu_output_0', '0', '1']);
  expect(Number(first[6])).toBe(merged.layers[0].srop[0][1]);

  // Layer view: histograms and channels; no energy curve, and it says why.
  await page.getByTestId('overview').locator('[data-layer="/Relu_2_output_0"]').click();
  const detail = page.getByTestId('layer-detail');
  await expect(detail.getByTestId('results-only-layer')).toContainText('A and B from a results file: SROPs only, no ring profiles, so no energy curve');
  await expect(detail.getByTestId('channel-table').locator('tbody tr')).toHaveCount(48);
  // Channel view: the SROPs, and why there is no map or spectrum.
  await detail.getByRole('button', { name: 'Channel 7', exact: true }).click();
  const channel = page.getByTestId('channel-detail');
  await expect(channel.getByRole('alert').first()).toContainText('a_all.json: /Relu_2_output_0: a_all.json holds SROPs only (a results file): no feature maps, no spectra');

  // Another kappa: the results cannot follow (no ring profiles) and say so; back to 0.85, they return.
  const kappa = page.getByLabel('kappa', { exact: true });
  await kappa.fill('0.9');
  await kappa.press('Enter');
  await expect(page.getByTestId('errors-A')).toContainText('a_all.json: SROPs at kappa 0.85, dc keep, domain disc only (a results file has no ring profiles to recompute them); set those parameters again to see them');
  await expect(page.getByTestId('pane-A').locator('table.layers tbody tr[data-status=error]')).toHaveCount(5);
  await kappa.fill('0.85');
  await kappa.press('Enter');
  await expect(page.getByTestId('pane-A').locator('table.layers tbody tr[data-status=done]')).toHaveCount(5);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);

  // The page's own JSON export opens again: A's side on A, B's on B; the same comparison.
  const [exportJson] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  await exportJson.saveAs(join(dir, 'page.json'));
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Open results A').setInputFiles(join(dir, 'page.json'));
  await page.getByLabel('Open results B').setInputFiles(join(dir, 'page.json'));
  await expect(page.getByTestId('content-notice')).toContainText("Pane B: page.json (the page's JSON export, side B, 5 layers) opened as results");
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);
  expect(csvLines(await downloadText(page, 'Export comparison as CSV'))).toEqual(command);

  // Not a results file: one message naming it and the reason; what was loaded stays.
  await page.getByLabel('Open results A').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await expect(page.getByTestId('errors-A')).toContainText('notes.json: not a results JSON of srop, srop run or srop merge (no "params" and "layers")');
  await expect(page.getByTestId('pane-A').locator('table.layers tbody tr[data-status=done]')).toHaveCount(5);
});
