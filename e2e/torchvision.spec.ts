import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { parseModel, withOutputs } from '../src/model/onnxGraph';
import { ModelSession } from '../src/model/runtime';
import { openActivationFile } from '../src/io/open';
import { float32Npy } from '../src/testing/npyFile';
import { exportedModels, SKIP_TORCH, type ExportedModel, type TorchRecord } from './helpers/torchvision';

// Two torchvision architectures exported by PyTorch (random weights, 64 x 64 input), loaded in the
// page as a user would, checked against PyTorch's own tensors (forward hooks on its activation
// modules and residual blocks): the page chooses exactly the activations and block outputs, in
// PyTorch's execution order, never a gate (MobileNetV3's HardSigmoid, at opset 13) or a 1 x 1 map,
// and reads ConvNeXt's channels-last GELU outputs as NHWC (its SROPs equal `srop` on PyTorch's
// tensors). The models are exported on first run (tmp/torchvision-e2e/, see helpers/torchvision.ts).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 64;

test.describe.configure({ mode: 'serial' });
test.skip(SKIP_TORCH, 'SROP_SKIP_TORCH=1: the torchvision tests are skipped on request');

let models: Record<string, ExportedModel> = {};
test.beforeAll(() => {
  test.setTimeout(600_000);
  models = Object.fromEntries(exportedModels(root, ['mobilenet_v3_small', 'convnext_tiny'], SIZE).map((m) => [m.name, m]));
});

async function torchTensors(m: ExportedModel): Promise<Map<string, Float32Array>> {
  const { layers, errors } = await openActivationFile(new Blob([readFileSync(m.maps)]), `${m.name}_maps.npz`, 'nchw');
  expect(errors).toEqual([]);
  const out = new Map<string, Float32Array>();
  for (const l of layers) out.set(l.name, await l.readMaps(0, l.shape[0] * l.shape[1]));
  return out;
}

/** PyTorch's activation and block outputs with more than one pixel, in execution order, each once. */
function expectedRecords(m: ExportedModel, tensors: Map<string, Float32Array>): TorchRecord[] {
  const kept: TorchRecord[] = [];
  for (const r of m.records) {
    if (r.kind === 'gate' || r.shape[2] * r.shape[3] <= 1) continue;
    const last = kept.at(-1);
    // A block that ends in its activation (ReLU(x + f(x))) returns that activation's tensor.
    if (last && sameValues(tensors.get(last.member)!, tensors.get(r.member)!)) continue;
    kept.push(r);
  }
  return kept;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The largest difference between the sorted values, relative to the largest magnitude (layout-blind). */
function sortedDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  const sa = Float32Array.from(a).sort(), sb = Float32Array.from(b).sort();
  let worst = 0, scale = 1;
  for (let i = 0; i < sa.length; i++) {
    worst = Math.max(worst, Math.abs(sa[i] - sb[i]));
    scale = Math.max(scale, Math.abs(sb[i]));
  }
  return worst / scale;
}

async function waitDone(page: Page, layers: number) {
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(layers, { timeout: 240_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 240_000 });
}

async function exportCsv(page: Page): Promise<string[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export SROPs as CSV' }).click()]);
  return readFileSync(await download.path(), 'utf8').trim().split('\n');
}

/**
 * Loads the model and its input in the page, and checks its default choice against PyTorch: the
 * same tensors (matched by value, whatever the layout), the same order, and the same SROPs as
 * `srop` gives on PyTorch's tensors (in [N, C, H, W], channels-last ones permuted by PyTorch).
 */
async function checkAgainstTorch(page: Page, m: ExportedModel) {
  const tensors = await torchTensors(m);
  const expected = expectedRecords(m, tensors);
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(m.model);
  await expect(page.getByTestId('model-status')).toContainText(`${m.name}.onnx`, { timeout: 240_000 });
  await expect(page.locator('.candidates summary')).toContainText(`Feature maps: ${expected.length} of `);
  await page.getByLabel('Input A image').setInputFiles(m.input);
  await waitDone(page, expected.length);
  const csv = (await exportCsv(page)).filter((l) => !l.startsWith('# '));
  // The page names each feature map by its module path (layer) and keeps the full tensor name (last column).
  const tensorColumn = csv[0].split(',').indexOf('tensor') - 1;
  const rows = csv.slice(1).filter((l) => l.startsWith('A,')).map((l) => l.slice(2));
  const layers = [...new Set(rows.map((r) => r.split(',')[0]))];
  const chosen = [...new Set(rows.map((r) => r.split(',')[tensorColumn]))];
  expect(chosen).toHaveLength(expected.length);
  expect(layers).toHaveLength(expected.length);
  // Those names are PyTorch's own names for the modules its forward hooks caught.
  expect(layers).toEqual(expected.map((r) => r.module));
  // The pane lists them in the same (network) order.
  await expect(page.getByTestId('pane-A').locator('table.layers tbody tr')).toHaveCount(expected.length);
  expect(await page.getByTestId('pane-A').locator('table.layers tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-layer')))).toEqual(layers);

  // The page's tensors, computed again in Node (onnxruntime-web, WASM), are PyTorch's, one for one,
  // in PyTorch's execution order.
  const parsed = parseModel(new Uint8Array(readFileSync(m.model)), `${m.name}.onnx`);
  const session = await ModelSession.create(parsed, withOutputs(parsed, chosen), 'wasm');
  const inputNpy = readFileSync(m.input);
  const input = new Float32Array(inputNpy.buffer.slice(inputNpy.byteOffset + inputNpy.length - 3 * SIZE * SIZE * 4, inputNpy.byteOffset + inputNpy.length));
  const outputs = await session.run(parsed.fileName, input, [1, 3, SIZE, SIZE], chosen);
  await session.release();
  chosen.forEach((name, i) => {
    expect(sortedDistance(outputs.get(name)!.data, tensors.get(expected[i].member)!), `${name} is PyTorch's ${expected[i].member}`).toBeLessThan(1e-4);
  });

  // The same maps as PyTorch's [N, C, H, W] tensors: the command on them gives the page's SROPs,
  // map for map (so the page read each tensor in the right layout).
  const dir = mkdtempSync(join(tmpdir(), 'srop-torchvision-'));
  writeFileSync(join(dir, 'torch.npz'), zipSync(Object.fromEntries(layers.map((name, i) => [`${name}.npy`, float32Npy(tensors.get(expected[i].member)!, expected[i].shape)])), { level: 0 }));
  const command = execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), '--backend', 'cpu', '--layout', 'nchw', 'torch.npz'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').slice(1);
  expect(rows.length).toBe(command.length);
  let worst = 0;
  for (let i = 0; i < rows.length; i++) {
    const g = rows[i].split(','), w = command[i].split(',');
    if (g.slice(0, 5).join(',') !== w.slice(0, 5).join(',')) expect(g.slice(0, 5), `row ${i}: layer, input, channel, height, width`).toEqual(w.slice(0, 5));
    if (g[8] !== w[8]) expect(g[8], `row ${i} (${g[0]} channel ${g[2]}) status`).toBe(w[8]);
    if (w[5] !== '') worst = Math.max(worst, Math.abs(Number(g[5]) - Number(w[5])));
  }
  // onnxruntime and PyTorch round differently in the last bits.
  expect(worst).toBeLessThan(2e-3);
  return { chosen, layers, expected };
}

test('MobileNetV3-small (opset 13): Hardswish outputs and residual Adds chosen, never a HardSigmoid gate or a 1 x 1 map; a ticked 1 x 1 map is marked and shows its value', async ({ page }) => {
  test.setTimeout(600_000);
  const m = models.mobilenet_v3_small;
  const { chosen, expected } = await checkAgainstTorch(page, m);
  expect(expected.filter((r) => r.kind === 'block').length).toBe(6);
  expect(chosen.filter((t) => /HardSigmoid/.test(t))).toEqual([]);
  expect(chosen.filter((t) => /\/Add_output_0$/.test(t))).toHaveLength(6);

  // The squeeze-excitation's ReLU of the first block: offered, 1 x 1, not chosen. Found with the filter.
  const se = '/features/features.1/block/block.1/activation/Relu_output_0';
  await page.getByLabel('Filter feature maps').fill('block.1/activation');
  const item = page.locator(`.candidates label[data-tensor="${se}"]`);
  await expect(item).toContainText('1 x 1: SROP is kappa by construction');
  await expect(item.locator('input')).not.toBeChecked();
  await item.locator('input').check();
  await waitDone(page, expected.length + 1);
  // It takes its place in network order: right after the block's first ReLU.
  const order = await page.getByTestId('pane-A').locator('table.layers tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-layer')));
  // Shown by its module path, as a hook on that module names it.
  expect(order.indexOf('features.1.block.1.activation')).toBe(order.indexOf('features.1.block.0.2') + 1);
  // No violin for it in the overview: the mark instead; the layer view says why; the channel view shows the value.
  const column = page.getByTestId('overview').locator('.overview-layer[data-layer="features.1.block.1.activation"]');
  await expect(column.locator('title')).toContainText(`tensor ${se}`);
  await expect(column.locator('[data-single-pixel]')).toHaveText('1 x 1: SROP is kappa by construction');
  await expect(column.locator('path')).toHaveCount(0);
  await column.click();
  await expect(page.getByTestId('single-pixel-layer')).toContainText('1 x 1: SROP is kappa by construction');
  await page.getByTestId('channel-table').getByRole('button', { name: 'Channel 3' }).click();
  const tensors = await torchTensors(m);
  const record = m.records.find((r) => r.module === 'features.1.block.1.activation')!;
  const value = tensors.get(record.member)![3];
  await expect(page.getByTestId('single-pixel-A')).toContainText(`value ${value.toFixed(6) === '-0.000000' ? '0.000000' : value.toFixed(6)}`);
  await expect(page.getByTestId('feature-map-A')).toHaveCount(0);

  // With A and B loaded, the long tensor names wrap: the page is no wider than the window.
  await page.getByLabel('Input B image').setInputFiles(m.input);
  await expect(page.getByTestId('pane-B').locator('[data-status=done]')).toHaveCount(expected.length + 1, { timeout: 240_000 });
  await page.getByLabel('Filter feature maps').fill('');
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
  expect(widths.page).toBeLessThanOrEqual(widths.window);
});

test('ConvNeXt-tiny: channels-last GELU outputs read as NHWC and every block output chosen, as PyTorch computes them', async ({ page }) => {
  test.setTimeout(600_000);
  const m = models.convnext_tiny;
  const { chosen, expected } = await checkAgainstTorch(page, m);
  expect(expected.filter((r) => r.channels_last).length).toBe(18);
  expect(expected.filter((r) => r.kind === 'block').length).toBe(18);
  // The pane says which layers it reads channels-last, and why.
  const rows = page.getByTestId('pane-A').locator('table.layers tbody tr');
  const layouts = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[3].textContent ?? ''));
  expect(layouts.filter((l) => l.startsWith('NHWC')).length).toBe(18);
  expect(layouts.find((l) => l.startsWith('NHWC'))).toMatch(/channels-last: /);
  expect(chosen.length).toBe(36);
});
