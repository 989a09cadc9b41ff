import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { downloadText, dropFiles as dropOn, expectCsvClose, holdEngineBack, sropCommand as sropIn, waitIdle } from './helpers/panes';
import { float32Npy } from '../src/testing/npyFile';

// The visualiser in real Chromium, on activation files written by numpy
// (tools/make_visualiser_fixtures.py): a random CNN's ReLU outputs for a figure (A, batch of 2,
// compressed npz, plus one extra .npy layer) and for the figure occluded (B, stored npz, and the
// same layers as NHWC safetensors).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'fixtures', 'visualiser');
const dropFiles = (page: Page, selector: string, names: string[]) => dropOn(page, selector, fixtures, names);
const sropCommand = (args: string[]) => sropIn(fixtures, args);
const LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'];




/** A float32 .npy file of `shape` (C order) with values from `value`. */
function npy(shape: number[], value: (i: number) => number): Buffer {
  return Buffer.from(float32Npy(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => value(i)), shape));
}



test('load A by the labelled picker and B by a drop (another format), GPU engine forced; every layer shows; CSV exports match the srop command', async ({ page, baseURL }) => {
  const origins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
  });
  // The GPU engine forced, so the WGSL path runs (SwiftShader where there is no GPU).
  await page.goto('/?nodemo&backend=gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  await page.getByLabel('Input A activations').setInputFiles([join(fixtures, 'a.npz'), join(fixtures, 'a_only.npy')]);
  await dropFiles(page, '[data-testid=pane-B]', ['b_nhwc.safetensors']);
  await waitIdle(page, 11);

  // Every layer of both sides in the overview, in network order, the one-sided layer marked.
  const overview = page.getByTestId('overview');
  await expect(overview.locator('.overview-layer')).toHaveCount(6);
  expect(await overview.locator('.overview-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')))).toEqual([...LAYERS, 'a_only']);
  await expect(overview.locator('[data-layer=a_only]')).toHaveAttribute('aria-label', /A only/);
  await expect(page.getByTestId('pane-B')).toContainText('NHWC');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(6);

  // The per-map export is `srop` on the same files, with a side column; so is the comparison.
  // Float32 on the GPU against the command's float64: the ring column may differ where an SROP
  // sits on a ring's edge, the SROP itself by far less than a ring.
  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  const a = sropCommand(['a.npz', 'a_only.npy']);
  const b = sropCommand(['b_nhwc.safetensors']);
  // The page's rows end with the full tensor name: for a file's layer, its name in the file.
  const withTensor = (l: string) => `${l},${l.split(',')[0]}`;
  expect(csv[0]).toBe(`side,${a[0]},tensor`);
  expectCsvClose(csv.slice(1), [...a.slice(1).map((l) => `A,${withTensor(l)}`), ...b.slice(1).map((l) => `B,${withTensor(l)}`)], 1e-3, [7]);
  const comparison = (await downloadText(page, 'Export comparison as CSV')).trim().split('\n');
  const command = sropCommand(['compare', 'a.npz', 'b_nhwc.safetensors']);
  expect(comparison[0]).toBe(command[0]);
  expectCsvClose(comparison.slice(1), command.slice(1), 1e-3);

  // A parameter change updates the charts without another FFT, and the export follows it.
  const medianA = page.getByTestId('comparison-table').locator('tr[data-layer=conv3] td').nth(1);
  const before = await medianA.textContent();
  await page.getByLabel('kappa', { exact: true }).fill('0.6');
  await page.getByLabel('kappa', { exact: true }).press('Enter');
  await expect(medianA).not.toHaveText(before!);
  await page.getByLabel('dc').selectOption('remove');
  const after = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  expectCsvClose(after.slice(1, 40), sropCommand(['--kappa', '0.6', '--dc', 'remove', 'a.npz']).slice(1, 40).map((l) => `A,${withTensor(l)}`), 1e-3, [7]);

  expect([...origins]).toEqual([new URL(baseURL!).origin]);
});

test('drill into a layer and a channel; GPU engine forced (WGSL; SwiftShader where there is no GPU) agrees with the command', async ({ page }) => {
  await page.goto('/?nodemo&backend=gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
  await waitIdle(page, 10);
  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n').slice(1);
  const expected = [...sropCommand(['a.npz']).slice(1).map((l) => `A,${l}`), ...sropCommand(['b.npz']).slice(1).map((l) => `B,${l}`)];
  expect(csv).toHaveLength(expected.length);
  for (let i = 0; i < csv.length; i++) {
    const got = csv[i].split(','), want = expected[i].split(',');
    expect(got.slice(0, 6)).toEqual(want.slice(0, 6));
    expect(got[9]).toBe(want[9]);
    if (want[6] !== '') expect(Math.abs(Number(got[6]) - Number(want[6]))).toBeLessThanOrEqual(1e-3);
  }

  await page.getByTestId('overview').locator('[data-layer=conv3]').click();
  const detail = page.getByTestId('layer-detail');
  await expect(detail).toContainText('Layer conv3');
  await expect(detail.getByTestId('channel-table').locator('tbody tr')).toHaveCount(12);
  // Sort by change: by its size, the largest first, whatever its sign.
  await detail.getByRole('button', { name: /^change/ }).click();
  const changes = (await detail.getByTestId('channel-table').locator('tbody tr td:nth-child(4)').allTextContents()).filter((t) => t !== '–').map(Number);
  expect(changes.map(Math.abs)).toEqual([...changes].map(Math.abs).sort((x, y) => y - x));
  // A's column is the mean over its 2 inputs, B's is its one input: the heading says so.
  await expect(detail.getByRole('heading', { level: 3, name: /^Channels/ })).toHaveText('Channels (A: batch means of 2 inputs)');
  await detail.getByRole('button', { name: 'Channel 5', exact: true }).click();
  const channel = page.getByTestId('channel-detail');
  await expect(channel.getByTestId('channel-A')).toContainText('channel 5: SROP');
  await expect(channel.getByTestId('channel-B')).toContainText('channel 5: SROP');
  await expect(channel.getByTestId('channel-A')).toContainText('(GPU FFT)');
  // The map and its spectrum export like every chart: the raster embedded, the ellipse a vector.
  const spectrum = channel.getByTestId('spectrum-A');
  const [svg] = await Promise.all([page.waitForEvent('download'), spectrum.getByRole('button', { name: 'SVG' }).click()]);
  const text = readFileSync(await svg.path(), 'utf8');
  expect(text).toMatch(/<image [^>]*href="data:image\/png;base64,/);
  expect(text).toContain('<ellipse');
  // Its colour scale: log10 power, its ends those of the spectrum drawn.
  expect(text).toContain('class="colour-scale"');
  expect(text).toContain('>log10 power</text>');
  await expect(channel.getByTestId('feature-map-A').locator('.colour-scale')).toHaveCount(1);
  const [png] = await Promise.all([page.waitForEvent('download'), channel.getByTestId('feature-map-A').getByRole('button', { name: 'PNG' }).click()]);
  // A holds 2 inputs: the file says which one's map it is; B holds one, its names stay as they were.
  expect(png.suggestedFilename()).toBe('srop-map-conv3-A-i0-c5-a-k0.85.png');
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
  // The map's SROP is marked on its curve (that it lies on it: test/layerRows.test.ts).
  await expect(channel.getByTestId('channel-A').getByTestId('srop-mark-A')).toHaveCount(1);
  // The batch of two on A, pooled: the view says which input's map it shows, and shows another.
  await expect(channel.getByTestId('channel-A')).toContainText('A: input 0 of 2, channel 5');
  await expect(channel.getByLabel('Channel view B input')).toHaveCount(0); // B holds one input
  const shownBefore = await channel.getByTestId('feature-map-A').locator('image').getAttribute('href');
  await channel.getByLabel('Channel view A input').fill('1');
  await expect(channel.getByTestId('channel-A')).toContainText('A: input 1 of 2, channel 5');
  await expect(channel.getByTestId('feature-map-A').locator('image')).not.toHaveAttribute('href', shownBefore!);
  const [svg1] = await Promise.all([page.waitForEvent('download'), spectrum.getByRole('button', { name: 'SVG' }).click()]);
  expect(svg1.suggestedFilename()).toBe('srop-spectrum-conv3-A-i1-c5-a-k0.85.svg');
  const text1 = readFileSync(await svg1.path(), 'utf8');
  expect(text1).toContain('<desc>A centred log power spectrum of input 1, channel 5 ');
  // Both axes of the spectrum are titled, in the page and in the export.
  expect(text1).toContain('>kx (bins)</text>');
  expect(text1).toContain('>ky (bins)</text>');
  await expect(channel.getByTestId('feature-map-A').locator('svg')).toHaveAttribute('aria-label', /A feature map, input 1, channel 5, /);
  const [energy] = await Promise.all([page.waitForEvent('download'), channel.getByTestId('channel-A').locator('figure').filter({ hasText: 'Cumulative ring energy' }).getByRole('button', { name: 'PNG' }).click()]);
  expect(energy.suggestedFilename()).toBe('srop-energy-conv3-A-i1-c5-a-k0.85.png');
  const [mapB] = await Promise.all([page.waitForEvent('download'), channel.getByTestId('feature-map-B').getByRole('button', { name: 'SVG' }).click()]);
  expect(mapB.suggestedFilename()).toBe('srop-map-conv3-B-c5-a-k0.85.svg');
  expect(readFileSync(await mapB.path(), 'utf8')).toContain('<desc>B feature map, channel 5, 16 by 16,');
  // One input picked for the pane: the view follows it, with no picker of its own.
  await page.getByLabel('Input A batch item').selectOption('0');
  await expect(channel.getByTestId('channel-A')).toContainText('A: input 0, channel 5');
  await expect(channel.getByLabel('Channel view A input')).toHaveCount(0);
  await page.getByLabel('Input A batch item').selectOption('1');
  await expect(channel.getByTestId('channel-A')).toContainText('A: input 1, channel 5');
  await expect(detail.getByRole('heading', { level: 3, name: /^Channels/ })).toHaveText('Channels (A: input 1 of 2)');
});

test('the channel table says whose values are batch means; the comparison table shows no -0 and sorts by its counts', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  // B is A's file: two inputs on each side.
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'a.npz'));
  await waitIdle(page, 10);
  await page.getByTestId('overview').locator('[data-layer=conv5]').click();
  const heading = page.getByTestId('layer-detail').getByRole('heading', { level: 3, name: /^Channels/ });
  await expect(heading).toHaveText('Channels (A: batch means of 2 inputs; B: batch means of 2 inputs)');
  await page.getByLabel('Input A batch item').selectOption('1');
  await expect(heading).toHaveText('Channels (A: input 1 of 2; B: batch means of 2 inputs)');

  // conv5's paired median difference between a.npz and b.npz is -0.00024: shown as 0.000.
  await page.getByLabel('Input A batch item').selectOption('pooled');
  await page.getByTestId('pane-B').getByRole('button', { name: /^Remove/ }).first().click();
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
  await waitIdle(page, 10);
  const table = page.getByTestId('comparison-table');
  await expect(table.locator('tr[data-layer=conv5] td').nth(6)).toHaveText('0.000');
  for (const cell of await table.locator('tbody td').allTextContents()) expect(cell).not.toMatch(/^-0\.0*$/);

  // The count columns sort like the others, and say how.
  for (const name of ['dead A | B', 'non-finite A | B']) {
    const button = table.getByRole('button', { name: new RegExp(`^${name.replace(/[|]/g, '\\|')}`) });
    await expect(button).toHaveAttribute('title', /sorts by A's count, ties by B's/);
    await button.click();
    await expect(table.locator('thead th').filter({ hasText: name })).toHaveAttribute('aria-sort', 'descending');
    await button.click();
    await expect(table.locator('thead th').filter({ hasText: name })).toHaveAttribute('aria-sort', 'ascending');
  }
});

test('a bad file on B leaves A intact, and its error names the file', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await waitIdle(page, 5);
  await dropFiles(page, '[data-testid=pane-B]', ['broken.npz']);
  await expect(page.getByTestId('errors-B')).toContainText('broken.npz:');
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(5);
  // B still takes a good file afterwards.
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
  await waitIdle(page, 10);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);
});

test('a member that breaks mid-read: its error names the file and the member once, as the command does', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(root, 'test', 'fixtures', 'readers', 'bad_deflate_data.npz'));
  const errors = page.getByTestId('errors-A');
  await expect(errors).toContainText('bad_deflate_data.npz: member cut.npy: the compressed data is corrupt or cut short (');
  const text = (await errors.textContent())!;
  expect(text.split('bad_deflate_data.npz').length - 1, text).toBe(1);
  // The archive's good member still loads.
  await waitIdle(page, 1);
});

test('without WebGPU the CPU engine computes the same views', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto('/?nodemo');
  await expect(page.getByTestId('engine-reason')).toContainText('no navigator.gpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await waitIdle(page, 5);
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  expect(csv.slice(1)).toEqual(sropCommand(['a.npz']).slice(1).map((l) => `A,${l},${l.split(',')[0]}`));
});

test('the example loads from the app itself and fills every view', async ({ page }) => {
  await page.goto('/?nodemo');
  await page.getByRole('button', { name: 'Load the example' }).click();
  await waitIdle(page, 10);
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);
  // One input on each side: nothing is averaged, and the heading does not say so.
  await page.getByTestId('overview').locator('[data-layer=conv5]').click();
  await expect(page.getByTestId('layer-detail').getByRole('heading', { level: 3, name: /^Channels/ })).toHaveText('Channels');
});

test('charts export as SVG and PNG; the keyboard opens a layer', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await waitIdle(page, 5);
  const overview = page.getByTestId('overview');
  const [svg] = await Promise.all([page.waitForEvent('download'), overview.getByRole('button', { name: 'SVG' }).click()]);
  expect(svg.suggestedFilename()).toBe('srop-overview-a-k0.85.svg');
  const text = readFileSync(await svg.path(), 'utf8');
  expect(text).toContain('<svg');
  expect(text).toContain('SROP distributions per layer');
  // The chart carries the provenance of its numbers.
  const metadata = JSON.parse(text.match(/<metadata data-format="srop-provenance\+json">([^<]*)<\/metadata>/)![1].replaceAll('&quot;', '"').replaceAll('&amp;', '&'));
  expect(metadata).toMatchObject({ app: 'SROP lab', params: { kappa: 0.85 }, engine: { backend: 'cpu' }, sides: { A: { files: ['a.npz'], input: 'pooled' } } });
  const [png] = await Promise.all([page.waitForEvent('download'), overview.getByRole('button', { name: 'PNG' }).click()]);
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
  await overview.locator('[data-layer=conv2]').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('layer-detail')).toContainText('Layer conv2');
  // The export carries its A legend, and not the on-screen selection of conv2.
  await expect(overview.locator('.selection-mark')).toHaveCount(1);
  const [selectedSvg] = await Promise.all([page.waitForEvent('download'), overview.getByRole('button', { name: 'SVG' }).click()]);
  const exported = readFileSync(await selectedSvg.path(), 'utf8');
  expect(exported).toContain('class="side-legend"');
  expect(exported).toMatch(/class="selection-mark"[^>]*|fill="transparent"[^>]*class="selection-mark"/);
  expect(exported).not.toMatch(/fill="#eef3fb"/);
  // Histogram and energy curve: axis titles and the legend.
  const histogram = page.getByTestId('layer-detail').locator('figure').filter({ hasText: 'Histogram of SROPs' }).locator('svg');
  await expect(histogram.locator('text').filter({ hasText: /^maps$/ })).toHaveCount(1);
  await expect(histogram.locator('.side-legend')).toHaveCount(1);
});

test('a lost GPU device is replaced and every layer recomputed, nothing loaded is lost', async ({ page }) => {
  await page.goto('/?nodemo&backend=gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await waitIdle(page, 5);
  const before = await downloadText(page, 'Export SROPs as CSV');
  // Watch for the queue running again after the loss (the recomputation).
  await page.evaluate(() => {
    const w = window as unknown as { sropWorkspace: { subscribe(f: () => void): void; state: { progress: { running: boolean } } }; recomputed?: boolean };
    w.sropWorkspace.subscribe(() => {
      if (w.sropWorkspace.state.progress.running) w.recomputed = true;
    });
  });
  await page.evaluate(() => (window as unknown as { sropEngineHost: { loseDeviceForTesting(): void } }).sropEngineHost.loseDeviceForTesting());
  await expect(page.getByTestId('engine-notice')).toContainText('recovered on a new device');
  await expect.poll(() => page.evaluate(() => (window as unknown as { recomputed?: boolean }).recomputed ?? false)).toBe(true);
  await waitIdle(page, 5);
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(5);
  expect(await downloadText(page, 'Export SROPs as CSV')).toBe(before);
});

test('only A loaded: no comparison anywhere; dead and non-finite maps counted apart; the summary shows on hover and focus', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  // One layer of 4 maps: two dead (zero), one non-finite (a NaN), one ordinary.
  const odd = npy([1, 4, 8, 8], (i) => (i < 128 ? 0 : i === 130 ? NaN : Math.sin(i * 1.7) + 1));
  await page.getByLabel('Input A activations').setInputFiles([{ name: 'a.npz', mimeType: 'application/octet-stream', buffer: readFileSync(join(fixtures, 'a.npz')) }, { name: 'odd.npy', mimeType: 'application/octet-stream', buffer: odd }]);
  await waitIdle(page, 6);
  const overview = page.getByTestId('overview');
  await expect(overview.locator('.overview-layer')).toHaveCount(6);
  for (const label of await overview.locator('.overview-layer').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) {
    expect(label).not.toMatch(/A only|B only|shapes differ|B:/);
  }
  await expect(overview.getByRole('img')).toHaveAttribute('aria-label', /input A only/);
  await expect(overview.locator('[data-layer=odd] [data-count=dead]')).toHaveText('2');
  await expect(overview.locator('[data-layer=odd] [data-count=nonfinite]')).toHaveText('1');
  await expect(page.getByTestId('comparison-table')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Export comparison as CSV' })).toBeDisabled();

  // Hover, then keyboard focus, show the layer's summary.
  const summary = page.getByTestId('overview-summary');
  await overview.locator('[data-layer=odd]').hover();
  await expect(summary).toHaveText(/^odd: A: 1 SROPs, median [\d.]+,.*dead 2, non-finite 1$/);
  await overview.locator('[data-layer=conv2]').focus();
  await expect(summary).toHaveText(/^conv2: A: 16 SROPs, median [\d.]+, quartiles/);

  // The layer view: A's columns and charts only.
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('layer-detail');
  await expect(detail).toContainText('Layer conv2');
  expect((await detail.getByTestId('channel-table').locator('thead th').allTextContents()).map((t) => t.replace(/ [▲▼]$/, ''))).toEqual(['channel', 'SROP A']);
  for (const label of await detail.locator('svg[role=img]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) {
    expect(label).not.toMatch(/\bB\b/);
  }  // A channel without an SROP says why: dead (on hover, the reason) or non-finite.
  await overview.locator('[data-layer=odd]').click();
  const cells = detail.getByTestId('channel-table').locator('tbody tr td:nth-child(2)');
  await expect(cells).toHaveText(['dead', 'dead', 'non-finite', /^\d\.\d{3}$/]);
  await expect(cells.nth(0).locator('span')).toHaveAttribute('title', /^dead: its map has no spectral energy to roll off/);
  await expect(cells.nth(2).locator('span')).toHaveAttribute('title', /NaN or infinity/);
});

test('marks: a layout override re-reads the file; shapes that differ, layers on one side, and same-named layers of two files', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles([join(fixtures, 'a.npz'), join(fixtures, 'a_only.npy')]);
  // B: the same layers twice (two files, two formats): none may hide another.
  await page.getByLabel('Input B activations').setInputFiles([join(fixtures, 'b.npz'), join(fixtures, 'b_nhwc.safetensors')]);
  await waitIdle(page, 16);
  const overview = page.getByTestId('overview');
  const names = await overview.locator('.overview-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
  expect(names).toEqual([...LAYERS, 'a_only', ...LAYERS.map((l) => `${l} (b_nhwc.safetensors)`)]);
  await expect(overview.locator('[data-layer=a_only]')).toHaveAttribute('aria-label', /A only/);
  await expect(overview.locator('[data-layer="conv1 (b_nhwc.safetensors)"]')).toHaveAttribute('aria-label', /B only/);
  const table = page.getByTestId('comparison-table');
  await expect(table.locator('tbody tr')).toHaveCount(11);
  await expect(table.locator('tr[data-layer=a_only]')).toContainText('only in A');
  await expect(table.locator('tr[data-layer="conv3 (b_nhwc.safetensors)"]')).toContainText('only in B');
  // A holds a batch of 2, B of 1: the same maps, compared (channel means paired), not marked.
  await expect(table.locator('tr[data-layer=conv1]')).not.toContainText('shapes differ');
  await expect(overview.locator('[data-layer=conv1]')).not.toHaveAttribute('aria-label', /shapes differ/);

  // Read b.npz as NHWC: its [1, 8, 32, 32] layers become 32 channels of 8 x 32, unlike A's.
  const paneB = page.getByTestId('pane-B');
  await page.getByLabel('Layout of b.npz').selectOption('nhwc');
  await expect(paneB.locator('[data-testid=file-B]').first().locator('tr[data-layer=conv1] td').nth(1)).toHaveText('1×32×8×32');
  await waitIdle(page, 16);
  await expect(paneB.locator('[data-testid=file-B]').first().locator('tr[data-layer=conv1] td').nth(3)).toContainText('NHWC');
  await expect(overview.locator('[data-layer=conv1]')).toHaveAttribute('aria-label', /shapes differ/);
  await expect(table.locator('tr[data-layer=conv1]')).toContainText('shapes differ: A 2x8x32x32, B 1x32x8x32');
  // The exports name the layers as the views do.
  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  expect(csv.filter((l) => l.startsWith('B,conv5 (b_nhwc.safetensors),'))).toHaveLength(24);
  expect(csv.filter((l) => l.startsWith('B,conv5,'))).toHaveLength(8);
  const comparison = (await downloadText(page, 'Export comparison as CSV')).trim().split('\n');
  expect(comparison.map((l) => l.split(',')[0]).slice(1)).toEqual(LAYERS);
  // So do the channel view's charts: the second conv5 of B exports under its own name.
  // (Its long rotated label reaches under its neighbours: the keyboard opens it.)
  await overview.getByRole('button', { name: /^Layer conv5 \(b_nhwc\.safetensors\)/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('layer-detail').locator('h2')).toContainText('Layer conv5 (b_nhwc.safetensors)');
  await page.getByTestId('layer-detail').getByRole('button', { name: 'Channel 2', exact: true }).click();
  const [map] = await Promise.all([page.waitForEvent('download'), page.getByTestId('feature-map-B').getByRole('button', { name: 'PNG' }).click()]);
  expect(map.suggestedFilename()).toBe('srop-map-conv5 (b_nhwc.safetensors)-B-c2-a-k0.85.png');
});

test('progress bar, Cancel and Resume during a load', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  // Twelve layers of 128 maps of 64 x 64, each held back 300 ms on this page's engine: long enough
  // to see the queue and stop it, however fast the engine is.
  await holdEngineBack(page, 300);
  const files = Array.from({ length: 12 }, (_, k) => ({ name: `big${k}.npy`, mimeType: 'application/octet-stream', buffer: npy([2, 64, 64, 64], (i) => Math.sin(i * 0.37 + k) * Math.cos(i * 0.011)) }));
  await page.getByLabel('Input A activations').setInputFiles(files);
  const progress = page.getByTestId('progress');
  await expect(progress).toContainText(/\d+ \/ 12 layers; A: big\d+\.npy/);
  await expect(progress.getByLabel('Layers done')).toHaveAttribute('max', '12');
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(progress).toHaveCount(0);
  const stalled = page.getByTestId('stalled');
  await expect(stalled).toContainText(/\d+ layers? cancelled/);
  const cancelled = await page.locator('[data-status=cancelled]').count();
  expect(cancelled).toBeGreaterThan(0);
  expect(await page.locator('[data-status=done]').count()).toBe(12 - cancelled);
  await stalled.getByRole('button', { name: 'Resume' }).click();
  await waitIdle(page, 12);
  await expect(stalled).toHaveCount(0);
  await expect(page.getByTestId('errors-A')).toHaveCount(0);
});

test('a GPU device lost while a layer is being profiled: the layer is queued again and finishes on the new device', async ({ page }) => {
  await page.goto('/?nodemo&backend=gpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('GPU engine');
  const files = Array.from({ length: 6 }, (_, k) => ({ name: `big${k}.npy`, mimeType: 'application/octet-stream', buffer: npy([2, 64, 64, 64], (i) => Math.sin(i * 0.37 + k) * Math.cos(i * 0.011)) }));
  await page.getByLabel('Input A activations').setInputFiles(files);
  await expect(page.locator('[data-status=running]')).toHaveCount(1);
  await page.evaluate(() => (window as unknown as { sropEngineHost: { loseDeviceForTesting(): void } }).sropEngineHost.loseDeviceForTesting());
  await expect(page.getByTestId('engine-notice')).toContainText('recovered on a new device');
  await waitIdle(page, 6);
  await expect(page.locator('[data-status=error]')).toHaveCount(0);
  await expect(page.getByTestId('errors-A')).toHaveCount(0);
});

test('JSON export, and the kappa slider and field agree', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'b.npz'));
  await waitIdle(page, 10);
  const slider = page.getByLabel('kappa slider');
  const field = page.getByLabel('kappa', { exact: true });
  await expect(slider).toHaveValue('0.85');
  const medianA = page.getByTestId('comparison-table').locator('tr[data-layer=conv2] td').nth(1);
  const before = await medianA.textContent();
  // The slider by keyboard: one step down.
  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(field).toHaveValue('0.84');
  await expect(medianA).not.toHaveText(before!);
  // Out of the slider's range: refused with a reason, nothing changes.
  await field.fill('0.3');
  await field.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'κ must be a number from 0.50 to 0.99' })).toBeVisible();
  await expect(field).toHaveValue('0.84');
  await expect(slider).toHaveValue('0.84');
  await field.fill('0.6');
  await field.press('Enter');
  await expect(slider).toHaveValue('0.6');

  const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  expect(jsonDownload.suggestedFilename()).toBe('srop-summary-a-k0.6.json');
  const json = JSON.parse(readFileSync(await jsonDownload.path(), 'utf8'));
  expect(json.params).toEqual({ kappa: 0.6, dc: 'keep', domain: 'disc', interpolate: true });
  expect(json.provenance).toMatchObject({ app: 'SROP lab', params: json.params, sides: { A: { files: ['a.npz'] }, B: { files: ['b.npz'] } } });
  expect(json.provenance.engine.backend).toMatch(/^(cpu|gpu)$/);
  expect(json.A.map((l: { layer: string }) => l.layer)).toEqual(LAYERS);
  expect(json.B.map((l: { name: string }) => l.name)).toEqual(LAYERS);
  expect(json.shown.map((r: { layer: string; match: string }) => [r.layer, r.match])).toEqual(LAYERS.map((l) => [l, 'both'])); // batches of 2 and 1: the same maps
  const table = await page.getByTestId('comparison-table').locator('tr[data-layer=conv2] td').nth(1).textContent();
  expect(json.shown[1].comparison.median_a.toFixed(3)).toBe(table);
  const command = sropCommand(['compare', '--kappa', '0.6', 'a.npz', 'b.npz']);
  expect(String(json.shown[4].comparison.wasserstein)).toBe(command[5].split(',')[7]);
});

test('a file dropped outside the panes does not leave the page, and says where files go', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  const url = page.url();
  const prevented = await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['x'], 'stray.npz'));
    const over = new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true });
    const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    document.querySelector('header')!.dispatchEvent(over);
    document.querySelector('header')!.dispatchEvent(drop);
    return [over.defaultPrevented, drop.defaultPrevented];
  });
  expect(prevented).toEqual([true, true]);
  await expect(page.getByTestId('stray-drop')).toContainText('drop them there');
  expect(page.url()).toBe(url);
  // A drop on a pane still loads, and is not called stray.
  await page.getByTestId('stray-drop').getByRole('button', { name: 'Dismiss' }).click();
  await dropFiles(page, '[data-testid=pane-A]', ['a.npz']);
  await waitIdle(page, 5);
  await expect(page.getByTestId('stray-drop')).toHaveCount(0);
});
