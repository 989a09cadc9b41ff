import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

// The visualiser in real Chromium, on activation files written by numpy
// (tools/make_visualiser_fixtures.py): a random CNN's ReLU outputs for a figure (A, batch of 2,
// compressed npz, plus one extra .npy layer) and for the figure occluded (B, stored npz, and the
// same layers as NHWC safetensors).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'fixtures', 'visualiser');
const LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'];

/** Drops files on an element the way a browser does (a DataTransfer holding File objects). */
async function dropFiles(page: Page, selector: string, names: string[]) {
  const files = names.map((name) => ({ name, base64: readFileSync(join(fixtures, name)).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, base64 } of list) dt.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name));
    return dt;
  }, files);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer });
}

/** Waits until `layers` layers are done on the two panes together and nothing is queued or running. */
async function waitIdle(page: Page, layers: number) {
  await expect(page.locator('[data-status=done]')).toHaveCount(layers, { timeout: 120_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.locator('[data-status=queued], [data-status=running]')).toHaveCount(0);
}

/** The `srop` command (CPU engine) on fixture files, as CSV lines. */
function sropCommand(args: string[]): string[] {
  const command = args[0] === 'compare' ? ['compare', '--backend', 'cpu', ...args.slice(1)] : ['--backend', 'cpu', ...args];
  const out = execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), ...command], { cwd: fixtures, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trim().split('\n');
}

async function downloadText(page: Page, button: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFileSync(await download.path(), 'utf8');
}

test('load A by the labelled picker and B by a drop (another format); every layer shows; CSV exports match the srop command', async ({ page, baseURL }) => {
  const origins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
  });
  await page.goto('/?nodemo&backend=cpu');
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
  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  const a = sropCommand(['a.npz', 'a_only.npy']);
  const b = sropCommand(['b_nhwc.safetensors']);
  expect(csv[0]).toBe(`side,${a[0]}`);
  expect(csv.slice(1)).toEqual([...a.slice(1).map((l) => `A,${l}`), ...b.slice(1).map((l) => `B,${l}`)]);
  const comparison = (await downloadText(page, 'Export comparison as CSV')).trim().split('\n');
  const command = sropCommand(['compare', 'a.npz', 'b_nhwc.safetensors']);
  expect(comparison).toEqual(command);

  // A parameter change updates the charts without another FFT, and the export follows it.
  const medianA = page.getByTestId('comparison-table').locator('tr[data-layer=conv3] td').nth(1);
  const before = await medianA.textContent();
  await page.getByLabel('kappa', { exact: true }).fill('0.6');
  await page.getByLabel('kappa', { exact: true }).press('Enter');
  await expect(medianA).not.toHaveText(before!);
  await page.getByLabel('dc').selectOption('remove');
  const after = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  expect(after.slice(1, 40)).toEqual(sropCommand(['--kappa', '0.6', '--dc', 'remove', 'a.npz']).slice(1, 40).map((l) => `A,${l}`));

  expect([...origins]).toEqual([new URL(baseURL!).origin]);
});

test('drill into a layer and a channel; GPU engine forced (WGSL on SwiftShader) agrees with the command', async ({ page }) => {
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
  // Sort by change: the column's values come out ordered.
  await detail.getByRole('button', { name: /^change/ }).click();
  const changes = (await detail.getByTestId('channel-table').locator('tbody tr td:nth-child(4)').allTextContents()).filter((t) => t !== '–').map(Number);
  expect(changes).toEqual([...changes].sort((x, y) => y - x));
  await detail.getByRole('button', { name: 'Channel 5', exact: true }).click();
  const channel = page.getByTestId('channel-detail');
  await expect(channel.getByTestId('channel-A')).toContainText('channel 5: SROP');
  await expect(channel.getByTestId('channel-B')).toContainText('channel 5: SROP');
  await expect(channel.getByTestId('channel-A')).toContainText('(GPU FFT)');
  // The batch of two on A: pick one input.
  await page.getByLabel('Input A batch item').selectOption('1');
  await expect(channel.getByTestId('channel-A')).toContainText('A: input 1, channel 5');
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
  expect(csv.slice(1)).toEqual(sropCommand(['a.npz']).slice(1).map((l) => `A,${l}`));
});

test('the example loads from the app itself and fills every view', async ({ page }) => {
  await page.goto('/?nodemo');
  await page.getByRole('button', { name: 'Load the example' }).click();
  await waitIdle(page, 10);
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);
});

test('charts export as SVG and PNG; the keyboard opens a layer', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'a.npz'));
  await waitIdle(page, 5);
  const overview = page.getByTestId('overview');
  const [svg] = await Promise.all([page.waitForEvent('download'), overview.getByRole('button', { name: 'SVG' }).click()]);
  expect(svg.suggestedFilename()).toBe('srop-overview.svg');
  const text = readFileSync(await svg.path(), 'utf8');
  expect(text).toContain('<svg');
  expect(text).toContain('SROP distributions per layer');
  const [png] = await Promise.all([page.waitForEvent('download'), overview.getByRole('button', { name: 'PNG' }).click()]);
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
  await overview.locator('[data-layer=conv2]').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('layer-detail')).toContainText('Layer conv2');
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
