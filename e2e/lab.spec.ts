import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { mixedModel } from '../src/testing/mixedModel';

// The sanity-check lab on the demo model in real Chromium: occlusion heatmaps at every grid
// position, cascading randomisation, and the training view over the shipped checkpoints.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));

type Lab = { state: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const labState = (page: Page, key: string) => page.evaluate((k) => (window as unknown as { sropLab: Lab }).sropLab.state[k], key);

async function openDemo(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  await expect(page.getByTestId('lab')).toBeVisible();
}

async function download(page: Page, name: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
  return readFileSync(await d.path(), 'utf8');
}

test('occlusion: both heatmaps have a value at every grid position, neither is uniform, the correlation is reported', async ({ page }) => {
  await openDemo(page);
  // Defaults scaled to the 28-px input, and the run's size and time said before it starts.
  await expect(page.getByLabel('Patch size')).toHaveValue('4');
  await expect(page.getByLabel('Stride')).toHaveValue('2');
  await expect(page.getByTestId('occlusion-plan')).toContainText('169 positions on the 28 x 28 input; about ');
  await page.getByLabel('Patch size').fill('6');
  await page.getByLabel('Stride').fill('2');
  await page.getByRole('button', { name: 'Run occlusion' }).click();
  await expect(page.getByTestId('occlusion-correlation')).toContainText('144 positions', { timeout: 120_000 });
  const result = await labState(page, 'occlusion');
  expect(result.positions).toHaveLength(144);
  for (const series of [result.sropChange, result.probabilityDrop] as number[][]) {
    expect(series).toHaveLength(144);
    expect(series.every((v) => Number.isFinite(v))).toBe(true);
    expect(new Set(series.map((v) => v.toFixed(6))).size).toBeGreaterThan(10);
  }
  await expect(page.getByTestId('heatmap-occlusion-srop-change').locator('.heat-cell')).toHaveCount(144);
  await expect(page.getByTestId('heatmap-occlusion-probability-drop').locator('.heat-cell')).toHaveCount(144);
  // Side by side, each with its colour scale, within the lab's panel.
  const left = (await page.getByTestId('heatmap-occlusion-srop-change').boundingBox())!;
  const right = (await page.getByTestId('heatmap-occlusion-probability-drop').boundingBox())!;
  expect(Math.abs(left.y - right.y)).toBeLessThan(2);
  expect(right.x).toBeGreaterThanOrEqual(left.x + left.width);
  await expect(page.getByTestId('heatmap-occlusion-srop-change').locator('.colour-scale')).toHaveCount(1);
  await expect(page.getByTestId('heatmap-occlusion-probability-drop').locator('.colour-scale')).toHaveCount(1);
  await expect(page.getByTestId('occlusion-correlation')).toContainText(/Pearson -?\d\.\d{3}, Spearman -?\d\.\d{3}/);
  const csv = (await download(page, 'Export occlusion as CSV')).trim().split('\n');
  // Model, image and parameters as leading comment lines, then the header and one row per position.
  const header = csv.findIndex((l) => !l.startsWith('# '));
  expect(csv.slice(0, header)).toEqual(expect.arrayContaining([`# model: ${manifest.final}`, '# image: digit3.png', '# patch: 6', '# stride: 2', '# fill: zero', expect.stringMatching(/^# srop_params: kappa=0\.85 /)]));
  // and the page's provenance: the model's hash, the engine, the preprocessing.
  expect(csv.slice(0, header)).toEqual(expect.arrayContaining([expect.stringMatching(/^# model_sha256: [0-9a-f]{64}$/), expect.stringMatching(/^# engine: /), expect.stringMatching(/^# preprocessing: \{"height":/)]));
  expect(csv[header]).toMatch(/^x,y,srop_change,probability_drop,w1:/);
  expect(csv).toHaveLength(header + 1 + 144);
  const json = JSON.parse(await download(page, 'Export occlusion as JSON'));
  expect(json).toMatchObject({ experiment: 'occlusion', model: manifest.final, params: { patch: 6, stride: 2, fill: 'zero' } });
});

test('cascading randomisation moves the last layer first', async ({ page }) => {
  await openDemo(page);
  await page.getByRole('tab', { name: /randomisation/ }).click();
  await page.getByRole('button', { name: 'Run randomisation' }).click();
  await expect(page.getByTestId('randomisation-summary')).toBeVisible({ timeout: 120_000 });
  const result = await labState(page, 'randomisation');
  expect(result.weightLayers).toHaveLength(6);
  const steps = result.steps as Array<{ distance: Array<number | null> }>;
  expect(steps).toHaveLength(6);
  const last = result.layers.length - 1;
  // The first step that moves any feature layer moves the last one, and only layers after the
  // randomised weights can move: the earlier ones stay exactly where they were.
  const first = steps.findIndex((s) => s.distance.some((d) => (d ?? 0) > 0));
  expect(first).toBeGreaterThanOrEqual(0);
  expect(steps[first].distance[last]!).toBeGreaterThan(0);
  expect(steps[first].distance.slice(0, last).every((d) => d === 0)).toBe(true);
  // By the end every layer has moved.
  expect(steps.at(-1)!.distance.every((d) => (d ?? 0) > 0)).toBe(true);
  // The step plot is its own chart: trained against randomised, the step named.
  const stepPlot = page.getByTestId('randomisation-overview');
  await expect(stepPlot).toContainText(`trained against randomised, step 1: ${result.steps[0].label}`);
  await expect(stepPlot.locator('.overview-layer')).toHaveCount(5);
  await expect(page.getByTestId('lab-randomisation').getByTestId('overview')).toHaveCount(0);
  await expect(page.getByTestId('randomisation-notice')).toHaveCount(0); // the demo's weights are all float32, inline
  // The summary chart draws a few layers by default (4 of the demo's 5), chosen by the user, each in the legend.
  const summary = page.getByTestId('randomisation-summary');
  await expect(summary.locator('.lab-line')).toHaveCount(4);
  await expect(summary.locator('.legend-entry')).toHaveCount(4);
  await page.getByTestId('randomisation-layers').locator('summary').click();
  await page.getByTestId('randomisation-layers').getByRole('button', { name: 'all' }).click();
  await expect(summary.locator('.legend-entry')).toHaveCount(5);
  // The legend lies inside the chart, entries apart.
  const legend = await summary.locator('svg').evaluate((svg) => {
    const boxes = [...svg.querySelectorAll('.legend-entry')].map((t) => (t as SVGTextElement).getBBox());
    const width = (svg as SVGSVGElement).viewBox.baseVal.width;
    return { inside: boxes.every((b) => b.x + b.width <= width), apart: boxes.every((b, i) => i === 0 || b.y >= boxes[i - 1].y + boxes[i - 1].height - 0.5) };
  });
  expect(legend).toEqual({ inside: true, apart: true });
  const csv = (await download(page, 'Export randomisation as CSV')).trim().split('\n');
  const header = csv.findIndex((l) => !l.startsWith('# '));
  expect(csv.slice(0, header)).toEqual(expect.arrayContaining([`# model: ${manifest.final}`, '# mode: cascading']));
  expect(csv[header]).toMatch(/^step,label,randomised,redrawn,w1:/);
  expect(csv).toHaveLength(header + 1 + 6);
  const json = JSON.parse(await download(page, 'Export randomisation as JSON'));
  expect(json.trained).toHaveLength(5);
  expect(json.steps).toHaveLength(6);
  expect(json.steps[5].layers.map((l: { srop: unknown[] }) => l.srop.length)).toEqual([24, 24, 48, 48, 96]);
});

test('randomisation of a model with external-data, float16 and int8 weights and a BatchNorm: what is left is listed and exported', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  const { bytes, external } = mixedModel();
  await page.getByLabel('Model (ONNX)').setInputFiles([
    { name: 'mixed.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) },
    { name: 'mixed.data', mimeType: 'application/octet-stream', buffer: Buffer.from(external[0].data) },
  ]);
  await expect(page.getByTestId('model-status')).toContainText('mixed.onnx');
  await page.getByLabel('Input A image').setInputFiles(join(root, 'public', 'samples', 'digit3.png'));
  await expect(page.getByTestId('pane-A').locator('[data-status=done]').first()).toBeVisible({ timeout: 60_000 });
  await page.getByRole('tab', { name: /randomisation/ }).click();
  await page.getByRole('button', { name: 'Run randomisation' }).click();
  const notice = page.getByTestId('randomisation-notice');
  await expect(notice).toContainText('Not randomised (3)', { timeout: 60_000 });
  await expect(notice).toContainText('bn1: BatchNormalization: its scale, shift (and running statistics) are kept as trained');
  await expect(notice).toContainText('conv3 / w3: dtype int8 is not a float type');
  await expect(notice).toContainText('conv2 / b2: all 4 values equal');
  const csv = (await download(page, 'Export randomisation as CSV')).trim().split('\n');
  expect(csv.filter((l) => l.startsWith('# not_randomised: '))).toHaveLength(3);
  // The external-data and float16 weights were re-drawn.
  expect(csv.find((l) => l.startsWith('3,'))).toContain('w1:float32:uniform');
  const json = JSON.parse(await download(page, 'Export randomisation as JSON'));
  expect(json.notRandomised).toHaveLength(3);
  // Cascading: step 1 (conv3, int8 only) re-draws nothing and says so; step 2 adds conv2's float16 weight.
  expect(json.steps[0].label).toContain('(nothing re-drawn)');
  expect(json.steps[1].redrawn.map((r: { initializer: string; dtype: string }) => `${r.initializer}:${r.dtype}`)).toEqual(['w2:float16']);
});

test('training: one point per checkpoint with the manifest accuracies, and a Spearman correlation per layer', async ({ page }) => {
  await openDemo(page);
  await page.getByRole('tab', { name: /Training/ }).click();
  // Each file picker's label sits on its picker's line, however the row wraps.
  for (const name of ['Checkpoints (ONNX)', 'Accuracy table or manifest']) {
    const label = (await page.locator('label', { hasText: name }).boundingBox())!;
    const picker = (await page.getByLabel(name).boundingBox())!;
    expect(Math.abs(label.y + label.height / 2 - (picker.y + picker.height / 2)), name).toBeLessThan(picker.height / 2);
    expect(picker.x, name).toBeGreaterThan(label.x);
  }
  await page.getByRole('button', { name: 'Use the demo checkpoints' }).click();
  await expect(page.getByTestId('training-chart')).toBeVisible({ timeout: 120_000 });
  const result = await labState(page, 'training');
  expect(result.points.map((p: { step: number }) => p.step)).toEqual(manifest.checkpoints.map((c: { step: number }) => c.step));
  expect(result.points.map((p: { accuracy: number }) => p.accuracy)).toEqual(manifest.checkpoints.map((c: { accuracy: number }) => c.accuracy));
  await expect(page.getByTestId('training-chart').locator('.accuracy-point')).toHaveCount(manifest.checkpoints.length);
  // The x-axis title lies below the step labels and inside the chart (the PNG is drawn from this SVG).
  const steps = manifest.checkpoints.map((c: { step: number }) => String(c.step));
  const layout = await page.getByTestId('training-chart').locator('svg').evaluate((svg, labels) => {
    const texts = [...svg.querySelectorAll('text[text-anchor=middle]')] as SVGTextElement[];
    const title = texts.find((t) => t.textContent === 'training step (symlog)')!.getBBox();
    const ticks = texts.filter((t) => labels.includes(t.textContent ?? '')).map((t) => t.getBBox());
    return { ticks: ticks.length, ticksBottom: Math.max(...ticks.map((b) => b.y + b.height)), titleTop: title.y, titleBottom: title.y + title.height, height: (svg as SVGSVGElement).viewBox.baseVal.height };
  }, steps);
  expect(layout.ticks).toBe(steps.length);
  expect(layout.titleTop).toBeGreaterThanOrEqual(layout.ticksBottom);
  expect(layout.titleBottom).toBeLessThanOrEqual(layout.height);
  await expect(page.getByTestId('training-spearman').locator('tbody tr')).toHaveCount(5);
  const json = JSON.parse(await download(page, 'Export training as JSON'));
  expect(json.points).toHaveLength(manifest.checkpoints.length);
});

test('training on the user’s own checkpoint files, ordered by the step in their names, accuracies from a dropped table', async ({ page }) => {
  await openDemo(page);
  await page.getByRole('tab', { name: /Training/ }).click();
  const chosen = [manifest.checkpoints.at(-1), manifest.checkpoints[0], manifest.checkpoints[3]] as Array<{ file: string; step: number; accuracy: number }>;
  await page.getByLabel('Checkpoints (ONNX)').setInputFiles([
    ...chosen.map((c) => ({ name: c.file, mimeType: 'application/octet-stream', buffer: readFileSync(join(root, 'public', 'demo', c.file)) })),
    // No step in its name and no manifest: left out, and the page says so.
    { name: 'best.onnx', mimeType: 'application/octet-stream', buffer: readFileSync(join(root, 'public', 'demo', manifest.final)) },
  ]);
  await expect(page.getByTestId('training-left-out')).toContainText('Left out 1 of 4 checkpoint files');
  await expect(page.getByTestId('training-left-out')).toContainText('best.onnx: no step number in its name (and no manifest gives one)');
  const table = 'file,accuracy\n' + chosen.map((c) => `${c.file},${(c.accuracy * 100).toFixed(2)}%`).join('\n');
  await page.getByLabel('Accuracy table or manifest').setInputFiles({ name: 'accuracy.csv', mimeType: 'text/csv', buffer: Buffer.from(table) });
  await page.getByRole('button', { name: 'Run on these checkpoints' }).click();
  await expect(page.getByTestId('training-chart')).toBeVisible({ timeout: 120_000 });
  const result = await labState(page, 'training');
  const ordered = [...chosen].sort((a, b) => a.step - b.step);
  expect(result.points.map((p: { step: number }) => p.step)).toEqual(ordered.map((c) => c.step));
  result.points.forEach((p: { accuracy: number }, i: number) => expect(p.accuracy).toBeCloseTo(ordered[i].accuracy, 4));
});
