import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

// The lab's architecture view on the demo's structures and on the user's own ONNX files, and the
// training view with two checkpoint series, in real Chromium; the exports are checked against the
// numbers drawn.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
type Structure = { id: string; name: string; final: string; checkpoints: Array<{ file: string; step: number; accuracy: number }> };
const structures = manifest.structures as Structure[];
const byId = (id: string) => structures.find((s) => s.id === id)!;

type Lab = { state: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const labState = (page: Page, key: string) => page.evaluate((k) => (window as unknown as { sropLab: Lab }).sropLab.state[k], key);

async function openLab(page: Page, tab: RegExp) {
  await page.goto('/');
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  await page.getByRole('tab', { name: tab }).click();
}

/** A lab export: named for the experiment, the model and kappa, with the page's provenance. */
async function download(page: Page, name: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
  const experiment = name.split(' ')[1];
  expect(d.suggestedFilename()).toMatch(new RegExp(`^${experiment}-.*-k0\\.\\d+\\.(csv|json)$`));
  const text = readFileSync(await d.path(), 'utf8');
  if (d.suggestedFilename().endsWith('.csv')) expect(text).toMatch(/^# app: SROP lab \d/);
  else expect(JSON.parse(text).provenance.app).toBe('SROP lab');
  return text;
}

/** CSV rows after the header that starts with `first`, as arrays of fields (no quoted commas in these). */
function csvRows(text: string, first: string): string[][] {
  const lines = text.trim().split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith(first)) + 1).map((l) => l.split(','));
}

test('architecture: two demo structures, aligned by depth and by stage; the exports hold the numbers drawn', async ({ page }) => {
  await openLab(page, /Architecture/);
  const view = page.getByTestId('lab-architecture');
  // Two structures: the plain CNN and the one without downsampling.
  for (const s of structures) if (!['strided', 'fullres'].includes(s.id)) await view.getByRole('checkbox', { name: s.name }).uncheck();
  await page.getByRole('button', { name: 'Compare the demo structures' }).click();
  await expect(page.getByTestId('architecture-chart')).toBeVisible({ timeout: 120_000 });
  const result = await labState(page, 'architecture');
  expect(result.models.map((m: { file: string }) => m.file)).toEqual([byId('strided').final, byId('fullres').final]);
  expect(result.models.map((m: { accuracy: number }) => m.accuracy)).toEqual([byId('strided'), byId('fullres')].map((s) => s.checkpoints.at(-1)!.accuracy));
  expect(result.models.map((m: { layers: Array<{ height: number }> }) => m.layers.map((l) => l.height))).toEqual([[28, 14, 14, 7, 7], [28, 28, 28, 28, 28]]);
  // Relative depth: five positions, a median drawn for each model at each.
  const drawn = async () => page.getByTestId('architecture-chart').locator('circle.architecture-median').evaluateAll((cs) => cs.map((c) => ({ model: c.parentElement!.getAttribute('data-model'), position: c.getAttribute('data-position'), median: Number(c.getAttribute('data-median')) })));
  const depth = await drawn();
  expect(depth).toHaveLength(10);
  await expect(page.getByTestId('architecture-correlation')).toContainText('needs 3 or more models with an accuracy');
  const csv = await download(page, 'Export architecture as CSV');
  expect(csv).toContain('# alignment: relative depth');
  const rows = csvRows(csv, 'model,file,');
  for (const d of depth) {
    const row = rows.find((r) => r[0] === d.model && r[5] === d.position)!;
    expect(Number(row[8]), `${d.model} ${d.position}`).toBeCloseTo(d.median, 12);
  }
  // The accuracy in the CSV is the manifest's.
  expect(Number(rows.find((r) => r[0] === byId('fullres').name && r[5] === 'summary')![4])).toBe(byId('fullres').checkpoints.at(-1)!.accuracy);
  // Resolution stage: the plain CNN at three stages, the one without downsampling at the first only.
  await page.getByLabel('Align layers by').selectOption('stage');
  const stage = await drawn();
  expect(stage.map((d) => `${d.model}|${d.position}`)).toEqual([...['1/1 (28x28)', '1/2 (14x14)', '1/4 (7x7)'].map((p) => `${byId('strided').name}|${p}`), `${byId('fullres').name}|1/1 (28x28)`]);
  const json = JSON.parse(await download(page, 'Export architecture as JSON'));
  expect(json.alignment).toBe('stage');
  for (const d of stage) {
    const m = json.models.find((x: { label: string }) => x.label === d.model);
    const p = json.positions.findIndex((x: { label: string }) => x.label === d.position);
    expect(m.cells[p].median).toBeCloseTo(d.median, 12);
  }
  const [svgFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('architecture-chart').getByRole('button', { name: 'SVG' }).click()]);
  const svg = readFileSync(await svgFile.path(), 'utf8');
  expect(svg).toContain('<svg');
  expect((svg.match(/class="architecture-median"/g) ?? []).length).toBe(4);
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('architecture-chart').getByRole('button', { name: 'PNG' }).click()]);
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
});

test('architecture on the user’s own ONNX files, accuracies and names from a dropped manifest; every structure’s final model gives a correlation', async ({ page }) => {
  await openLab(page, /Architecture/);
  const files = structures.map((s) => s.final);
  await page.getByLabel('Models (ONNX)').setInputFiles(files.map((f) => ({ name: f, mimeType: 'application/octet-stream', buffer: readFileSync(join(root, 'public', 'demo', f)) })));
  await page.getByLabel('Accuracy table or manifest').setInputFiles({ name: 'manifest.json', mimeType: 'application/json', buffer: readFileSync(join(root, 'public', 'demo', 'manifest.json')) });
  await page.getByRole('button', { name: 'Compare these models' }).click();
  await expect(page.getByTestId('architecture-chart')).toBeVisible({ timeout: 120_000 });
  const result = await labState(page, 'architecture');
  expect(result.models.map((m: { label: string }) => m.label)).toEqual(structures.map((s) => s.name));
  expect(result.models.map((m: { accuracy: number }) => m.accuracy)).toEqual(structures.map((s) => s.checkpoints.at(-1)!.accuracy));
  await expect(page.getByTestId('architecture-correlation')).toContainText(new RegExp(`Correlation across ${structures.length} models .* Spearman -?\\d\\.\\d{3}, Pearson -?\\d\\.\\d{3}`));
  const csv = await download(page, 'Export architecture as CSV');
  const spearman = Number(csv.match(new RegExp(`# correlation_summary: n=${structures.length} spearman=(\\S+)`))![1]);
  await expect(page.getByTestId('architecture-correlation')).toContainText(`Spearman ${spearman.toFixed(3).replace(/^-0\.000$/, '0.000')}`);
});

test('training with two series: one colour per structure, the manifest accuracies, a Spearman table per structure', async ({ page }) => {
  await openLab(page, /Training/);
  await page.getByRole('checkbox', { name: `Training series ${byId('residual').name}` }).check();
  await page.getByRole('button', { name: 'Use the demo checkpoints' }).click();
  await expect(page.getByTestId('training-series-chart')).toBeVisible({ timeout: 180_000 });
  const result = await labState(page, 'training');
  expect(result.series.map((s: { name: string }) => s.name)).toEqual([byId('strided').name, byId('residual').name]);
  const chart = page.getByTestId('training-series-chart');
  for (const id of ['strided', 'residual']) {
    const s = byId(id);
    const accuracies = await chart.locator(`circle.series-accuracy[data-series="${s.name}"]`).evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-accuracy'))));
    expect(accuracies).toEqual(s.checkpoints.map((c) => c.accuracy));
  }
  // One colour per structure.
  const colours = await chart.locator('g.training-series').evaluateAll((gs) => gs.map((g) => g.querySelector('circle.series-accuracy')!.getAttribute('fill')));
  expect(new Set(colours).size).toBe(2);
  const tables = page.getByTestId('training-series-spearman');
  await expect(tables).toHaveCount(2);
  await expect(tables.nth(0).locator('tbody tr')).toHaveCount(5);
  await expect(tables.nth(1).locator('tbody tr')).toHaveCount(7);
  const csv = await download(page, 'Export training as CSV');
  const rows = csvRows(csv, 'series,file,');
  expect(rows).toHaveLength(byId('strided').checkpoints.length * 5 + byId('residual').checkpoints.length * 7);
  const drawn = await chart.locator('circle.series-median').evaluateAll((cs) => cs.map((c) => ({ series: c.getAttribute('data-series'), layer: c.getAttribute('data-layer'), step: c.getAttribute('data-step'), median: Number(c.getAttribute('data-median')) })));
  expect(drawn).toHaveLength(rows.length);
  for (const d of drawn) {
    const row = rows.find((r) => r[0] === d.series && r[2] === d.step && r[4] === d.layer)!;
    expect(Number(row[6])).toBeCloseTo(d.median, 12);
  }
  // The table's Spearman values are the export's.
  const first = await tables.nth(1).locator('tbody tr').first().locator('td').last().textContent();
  const exported = Number(rows.find((r) => r[0] === byId('residual').name)![9]);
  expect(first).toBe(exported.toFixed(3).replace(/^-0\.000$/, '0.000'));
});
