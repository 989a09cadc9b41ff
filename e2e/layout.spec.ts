// Charts sized to the screen: at 800, 1280 and 2560 px no chart overflows its panel (the overview,
// histogram, energy curve, per-input plot, channel map, spectrum and energy curve, kappa sweep, and
// the lab's heatmaps, randomisation, training and architecture charts), the overview's plot takes
// most of its panel's width, its labels do not overlap; the charts follow their container when the
// window is resized, without measuring again; with 100 layers the violins keep a usable width, the
// overview scrolls sideways, and the keyboard walks the layers with the selected one kept in view.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { float32Npy } from '../src/testing/npyFile';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'visualiser');

async function waitIdle(page: Page, layers: number) {
  await expect(page.locator('[data-status=done]')).toHaveCount(layers, { timeout: 120_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
}

type Box = { left: number; right: number; top: number; bottom: number };

/** Every chart's frame, drawing area and svg (or canvas) against the panel it sits in. */
async function overflowingCharts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const figure of document.querySelectorAll<HTMLElement>('figure.chart')) {
      const panel = figure.closest('.panel, .pane');
      if (!panel) {
        out.push(`${figure.querySelector('.chart-title')?.textContent}: in no panel`);
        continue;
      }
      const p = panel.getBoundingClientRect();
      // A scrolling chart (the overview of many layers) is wider than its box by design: its box is what must fit.
      const drawing = figure.querySelector('.chart-scroll') ? null : figure.querySelector('svg, canvas');
      for (const element of [figure, figure.querySelector('.chart-fit, .chart-scroll'), drawing] as Array<Element | null>) {
        if (!element) continue;
        const r = element.getBoundingClientRect();
        if (r.right > p.right + 0.5 || r.left < p.left - 0.5) out.push(`${figure.querySelector('.chart-title')?.textContent}: ${Math.round(r.left)}..${Math.round(r.right)} outside ${Math.round(p.left)}..${Math.round(p.right)}`);
      }
    }
    return out;
  });
}

/** The drawn width (px on screen) of the chart with this test id, within `scope` when given. */
async function chartWidth(page: Page, testId: string, scope?: string): Promise<number> {
  const root = scope ? page.getByTestId(scope) : page;
  return (await root.getByTestId(testId).locator('svg').first().boundingBox())!.width;
}

/** Two animation frames: a resize's ResizeObserver callbacks have run and the charts redrawn. */
async function frames(page: Page) {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** Test ids of the charts in view, so that each check says which charts it covered. */
async function chartIds(page: Page): Promise<string[]> {
  return page.locator('figure.chart').evaluateAll((figures) => figures.map((f) => f.getAttribute('data-testid') ?? '?'));
}

async function labelBoxes(page: Page): Promise<Box[]> {
  return page.getByTestId('overview').locator('.layer-label').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  }));
}

function overlaps(boxes: Box[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.push(`${i} and ${j}`);
    }
  }
  return out;
}

for (const width of [800, 1280, 2560]) {
  test(`at ${width} px: no chart overflows its panel, the overview fills its panel, labels apart`, async ({ page }) => {
    await page.setViewportSize({ width, height: 1100 });
    await page.goto('/?nodemo&backend=cpu');
    await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
    await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
    await waitIdle(page, 10);
    await page.getByTestId('overview').locator('[data-layer=conv3]').click();
    await page.getByTestId('layer-detail').getByRole('button', { name: 'Channel 5', exact: true }).click();
    await expect(page.getByTestId('channel-A')).toContainText('channel 5: SROP');
    await page.getByRole('button', { name: 'Sweep κ' }).click();
    await expect(page.getByTestId('sweep-wasserstein').locator('.sweep-line')).toHaveCount(4);
    await expect(page.getByTestId('feature-map-B').locator('image')).toHaveCount(1);
    // Every chart of the visualiser is in view, and none overflows its panel.
    expect(await chartIds(page)).toEqual(expect.arrayContaining(['overview', 'histogram', 'energy-curve', 'input-plot', 'feature-map-A', 'spectrum-A', 'channel-energy-A', 'feature-map-B', 'spectrum-B', 'channel-energy-B', 'sweep-wasserstein', 'sweep-median']));
    expect(await overflowingCharts(page)).toEqual([]);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: `the page's width at ${width} px` }).toBeLessThanOrEqual(width);
    // The overview's plot takes most of its panel's width (5 layers: no scrolling).
    const panel = (await page.getByRole('region', { name: 'Overview' }).boundingBox())!;
    const plot = (await page.getByTestId('overview').locator('svg').boundingBox())!;
    expect(plot.width).toBeGreaterThan(0.8 * panel.width);
    expect(plot.width).toBeLessThanOrEqual(panel.width);
    expect(overlaps(await labelBoxes(page))).toEqual([]);
    // The selected channel is kept in view in the channel table's own box: chosen at the top of a
    // descending sort, it moves to the bottom when the sort turns ascending, and the box follows it.
    const detail = page.getByTestId('layer-detail');
    const table = detail.locator('.table-scroll');
    await page.getByTestId('overview').locator('[data-layer=conv5]').click();
    await detail.getByRole('button', { name: /^channel/ }).click(); // descending: 23 first
    await expect(detail.locator('tbody tr').first()).toContainText('23');
    await detail.getByRole('button', { name: 'Channel 23', exact: true }).click();
    await detail.getByRole('button', { name: /^channel/ }).click(); // ascending: 23 last
    await expect(detail.locator('tbody tr').last()).toContainText('23');
    await expect.poll(async () => {
      const box = (await table.boundingBox())!;
      const row = (await table.locator('tr.selected').boundingBox())!;
      return row.y >= box.y - 1 && row.y + row.height <= box.y + box.height + 1;
    }).toBe(true);
    expect(await table.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    await page.getByTestId('overview').locator('[data-layer=conv3]').click();
    await detail.getByRole('button', { name: 'Channel 5', exact: true }).click();
    // Side by side where there is room (the two views at the same height), one under the other where not.
    const layer = (await page.getByTestId('layer-detail').boundingBox())!;
    const channel = (await page.getByTestId('channel-detail').boundingBox())!;
    if (width >= 1280) expect(Math.abs(layer.y - channel.y)).toBeLessThan(2);
    else expect(channel.y).toBeGreaterThanOrEqual(layer.y + layer.height - 1);
  });
}

test('every chart follows its panel when the window is resized, without measuring again; exports take the drawn size', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
  await waitIdle(page, 10);
  await page.getByTestId('overview').locator('[data-layer=conv3]').click();
  await page.getByTestId('layer-detail').getByRole('button', { name: 'Channel 5', exact: true }).click();
  await expect(page.getByTestId('spectrum-A').locator('image')).toHaveCount(1);
  await page.getByRole('button', { name: 'Sweep κ' }).click();
  await expect(page.getByTestId('sweep-wasserstein').locator('.sweep-line')).toHaveCount(4);
  // (The per-input plot stops growing at 480 px, which it reaches at 1280 px: it is in the overflow check.)
  const charts: Array<[string, string?]> = [['overview'], ['histogram'], ['energy-curve', 'layer-detail'], ['feature-map-A'], ['spectrum-A'], ['channel-energy-A'], ['sweep-wasserstein']];
  const widths = async () => Promise.all(charts.map(([id, scope]) => chartWidth(page, id, scope)));
  const before = await widths();
  await page.evaluate(() => {
    const w = window as unknown as { sropWorkspace: { subscribe(f: () => void): void; state: { progress: { running: boolean } } }; ran?: boolean };
    w.sropWorkspace.subscribe(() => { if (w.sropWorkspace.state.progress.running) w.ran = true; });
  });
  await page.setViewportSize({ width: 2560, height: 900 });
  await expect.poll(async () => (await page.getByTestId('overview').locator('svg').boundingBox())!.width).toBeGreaterThan(before[0] + 1000);
  // Every chart is wider at 2560 px than at 1280 px: drawn wider (its svg's own width), not stretched.
  await expect.poll(async () => (await widths()).map((w, i) => w > before[i] + 8)).toEqual(charts.map(() => true));
  const drawn = Number(await page.getByTestId('histogram').locator('svg').getAttribute('width'));
  expect(drawn).toBeCloseTo(await chartWidth(page, 'histogram'), 0);
  expect(await overflowingCharts(page)).toEqual([]);
  // No layer was measured again: the resize only redrew.
  expect(await page.evaluate(() => (window as unknown as { ran?: boolean }).ran ?? false)).toBe(false);
  // The exported SVG is the chart as drawn now.
  const [svg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('histogram').getByRole('button', { name: 'SVG' }).click()]);
  const text = readFileSync(await svg.path(), 'utf8');
  expect(text).toContain(`width="${drawn}"`);
  expect(text).toContain(`viewBox="0 0 ${drawn} `);
  // Narrower again: the charts follow back down, and still fit.
  const wide = await widths();
  await page.setViewportSize({ width: 800, height: 900 });
  await expect.poll(async () => (await widths()).map((w, i) => w < wide[i])).toEqual(charts.map(() => true));
  expect(await overflowingCharts(page)).toEqual([]);
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: "the page's width at 800 px" }).toBeLessThanOrEqual(800);
});

test('the lab: heatmaps, randomisation, training and architecture charts fit their panel at 800, 1280 and 2560 px and follow it', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto('/');
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(5, { timeout: 120_000 });
  const lab = page.getByTestId('lab');
  // Occlusion on a coarse grid (16 positions), randomisation, the demo's checkpoints, two structures.
  await page.getByLabel('Patch size').fill('7');
  await page.getByLabel('Stride').fill('7');
  await page.getByRole('button', { name: 'Run occlusion' }).click();
  await expect(page.getByTestId('occlusion-correlation')).toContainText('16 positions', { timeout: 120_000 });
  await page.getByRole('tab', { name: /randomisation/ }).click();
  await page.getByRole('button', { name: 'Run randomisation' }).click();
  await expect(page.getByTestId('randomisation-summary')).toBeVisible({ timeout: 120_000 });
  await page.getByRole('tab', { name: /Training/ }).click();
  await page.getByRole('button', { name: 'Use the demo checkpoints' }).click();
  await expect(page.getByTestId('training-chart')).toBeVisible({ timeout: 180_000 });
  await page.getByRole('tab', { name: /Architecture/ }).click();
  const structures = lab.getByTestId('lab-architecture').locator('.lab-controls').first().getByRole('checkbox');
  // The list is fetched: every structure of the manifest is there before all but two are unticked.
  const manifest = JSON.parse(readFileSync(join(fileURLToPath(new URL('..', import.meta.url)), 'public', 'demo', 'manifest.json'), 'utf8'));
  await expect(structures).toHaveCount(manifest.structures.length);
  for (let i = 2; i < await structures.count(); i++) await structures.nth(i).uncheck();
  await page.getByRole('button', { name: 'Compare the demo structures' }).click();
  await expect(page.getByTestId('architecture-chart')).toBeVisible({ timeout: 180_000 });
  await expect(lab.getByTestId('lab-progress')).toHaveCount(0, { timeout: 60_000 });
  const tabs: Array<[RegExp, string[]]> = [
    [/occlusion/, ['heatmap-occlusion-srop-change', 'heatmap-occlusion-probability-drop']],
    [/randomisation/, ['randomisation-summary', 'randomisation-overview']],
    [/Training/, ['training-chart']],
    [/Architecture/, ['architecture-chart']],
  ];
  const seen: Record<string, number[]> = {};
  for (const width of [800, 1280, 2560]) {
    await page.setViewportSize({ width, height: 1000 });
    for (const [tab, ids] of tabs) {
      await page.getByRole('tab', { name: tab }).click();
      for (const id of ids) await expect(page.getByTestId(id)).toBeVisible();
      await frames(page);
      expect(await chartIds(page), `${width} px, ${tab}`).toEqual(expect.arrayContaining(ids));
      await expect.poll(() => overflowingCharts(page), { message: `${width} px, ${tab}` }).toEqual([]);
      for (const id of ids) (seen[id] ??= []).push(await chartWidth(page, id));
    }
    const wide = await page.evaluate((w) => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 1).slice(0, 8).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} ${e.getAttribute('data-testid') ?? ''} ${Math.round(e.getBoundingClientRect().right)}`), width);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: `the page's width at ${width} px (wider: ${wide.join('; ')})` }).toBeLessThanOrEqual(width);
  }
  // Each lab chart is drawn wider on the widest window than on the narrowest.
  for (const [id, [at800, , at2560]] of Object.entries(seen)) expect(at2560, id).toBeGreaterThan(at800);
});

test('100 layers: violins at least 24 px, labels apart, the keyboard walks them with the selected one in view', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto('/?nodemo&backend=cpu');
  const members: Record<string, Uint8Array> = {};
  for (let k = 0; k < 100; k++) {
    const data = Float32Array.from({ length: 2 * 6 * 6 }, (_, i) => Math.sin(i * (0.3 + k * 0.01)) + 1);
    members[`/stage${Math.floor(k / 10)}/block${k % 10}/relu/Relu_output_0.npy`] = float32Npy(data, [1, 2, 6, 6]);
  }
  await page.getByLabel('Input A activations').setInputFiles({ name: 'hundred.npz', mimeType: 'application/octet-stream', buffer: Buffer.from(zipSync(members, { level: 0 })) });
  await waitIdle(page, 100);
  const overview = page.getByTestId('overview');
  await expect(overview.locator('.overview-layer')).toHaveCount(100);
  expect(Number(await page.locator('.overview-fit').getAttribute('data-band'))).toBeGreaterThanOrEqual(24);
  expect(overlaps(await labelBoxes(page))).toEqual([]);
  expect(await overflowingCharts(page)).toEqual([]);
  const scroller = overview.locator('.chart-scroll');
  const inView = async (index: number) => {
    const s = (await scroller.boundingBox())!;
    const b = (await overview.locator(`.overview-layer[data-index="${index}"] rect`).first().boundingBox())!;
    return b.x >= s.x - 1 && b.x + b.width <= s.x + s.width + 1;
  };
  await overview.locator('.overview-layer[data-index="0"]').focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('layer-detail').locator('h2')).toContainText('/stage9/block9/relu/Relu_output_0');
  expect(await inView(99)).toBe(true);
  for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('layer-detail').locator('h2')).toContainText('/stage9/block6/relu/Relu_output_0');
  expect(await inView(96)).toBe(true);
  await page.keyboard.press('Home');
  await expect(page.getByTestId('layer-detail').locator('h2')).toContainText('/stage0/block0/relu/Relu_output_0');
  expect(await inView(0)).toBe(true);
  await expect(overview.locator('.overview-layer[data-index="0"]')).toHaveAttribute('aria-pressed', 'true');
});

test('the kappa sweep: the layers that move most, per kappa, drawn and exported with provenance', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
  await waitIdle(page, 10);
  await page.getByRole('button', { name: 'Sweep κ' }).click();
  const sweep = page.getByTestId('kappa-sweep');
  await expect(sweep.getByTestId('sweep-leaders')).toContainText(/Moves most \(Wasserstein\): conv\d for κ 0\.50/);
  await expect(sweep.getByTestId('sweep-median').locator('.sweep-line')).toHaveCount(4);
  await expect(sweep.getByTestId('sweep-wasserstein').locator('.legend-entry')).toHaveCount(4);
  await sweep.getByTestId('sweep-layers').locator('summary').click();
  await sweep.getByTestId('sweep-layers').getByRole('button', { name: 'all' }).click();
  await expect(sweep.getByTestId('sweep-wasserstein').locator('.sweep-line')).toHaveCount(5);
  const [download] = await Promise.all([page.waitForEvent('download'), sweep.getByRole('button', { name: 'Export kappa sweep as CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('kappa-sweep-a-k0.85.csv');
  const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
  const head = lines.findIndex((l) => !l.startsWith('# '));
  expect(lines[0]).toMatch(/^# app: SROP lab/);
  expect(lines[head]).toBe('layer,tensor,kappa,wasserstein,median_shift');
  expect(lines.length - head - 1).toBe(5 * 50);
  // At the page's kappa the sweep is the comparison table's Wasserstein.
  const conv3 = lines.find((l) => l.startsWith('conv3,conv3,0.85,'))!.split(',');
  const table = await page.getByTestId('comparison-table').locator('tr[data-layer=conv3] td').nth(4).textContent();
  expect(Number(conv3[3]).toFixed(4)).toBe(Number(table).toFixed(4));
});
