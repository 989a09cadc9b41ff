import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { csvLines, downloadText } from './helpers/panes';
import { onnx, parseModel, withOutputs } from '../src/model/onnxGraph';
import { ModelSession } from '../src/model/runtime';
import { float32Npy } from '../src/testing/npyFile';

// Live feature maps in real Chromium: the demo model on first open, a model and an image through
// the UI checked against feature maps computed independently in Node (onnxruntime-web's WASM
// backend) and measured by `npx srop`, a PyTorch export against its forward-hook activations, and
// the error cases.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'public', 'demo');
const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8'));
const finalModel = join(demo, manifest.final);
const fixtures = join(root, 'test', 'fixtures', 'model');
const RELUS = ['/Relu_output_0', '/Relu_1_output_0', '/Relu_2_output_0', '/Relu_3_output_0', '/Relu_4_output_0'];

/** The 8-bit greyscale PNGs of public/samples, decoded without the browser. */
function decodeGreyPng(path: string): { width: number; height: number; pixels: Uint8Array } {
  const file = readFileSync(path);
  let at = 8, width = 0, height = 0;
  const idat: Buffer[] = [];
  while (at < file.length) {
    const length = file.readUInt32BE(at);
    const type = file.toString('ascii', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0) throw new Error('not an 8-bit greyscale PNG');
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const left = x > 0 ? pixels[y * width + x - 1] : 0, up = y > 0 ? pixels[(y - 1) * width + x] : 0, ul = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
      const p = left + up - ul, pa = Math.abs(p - left), pb = Math.abs(p - up), pc = Math.abs(p - ul);
      const paeth = pa <= pb && pa <= pc ? left : pb <= pc ? up : ul;
      pixels[y * width + x] = (v + [0, left, up, (left + up) >> 1, paeth][filter]) & 255;
    }
  }
  return { width, height, pixels };
}


function srop(args: string[], cwd: string): string[] {
  return execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), '--backend', 'cpu', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
}

async function exportCsv(page: Page): Promise<string[]> {
  // The table, after its provenance lines (checked by downloadText).
  return csvLines(await downloadText(page, 'Export SROPs as CSV'));
}

async function waitDone(page: Page, side: 'A' | 'B', layers: number) {
  await expect(page.getByTestId(`pane-${side}`).locator('[data-status=done]')).toHaveCount(layers, { timeout: 120_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
}

/** Compares CSV rows (without the side column): same maps and statuses, SROPs within `tolerance`. */
function expectSameSrops(got: string[], want: string[], tolerance: number) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i].split(','), w = want[i].split(',');
    expect(g.slice(0, 5), `row ${i}`).toEqual(w.slice(0, 5));
    expect(g[8], `row ${i} status`).toBe(w[8]);
    if (w[5] !== '') expect(Math.abs(Number(g[5]) - Number(w[5])), `row ${i} srop`).toBeLessThanOrEqual(tolerance);
  }
}

test('the page opens on the demo: the final model, a held-out digit and its occluded copy, every view filled', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await waitDone(page, 'A', 5);
  await waitDone(page, 'B', 5);
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(5);
  await expect(page.getByTestId('top5-A').locator('li')).toHaveCount(5);
  await expect(page.getByTestId('top5-A').locator('li').first()).toContainText('3:');
  await expect(page.getByTestId('live-B')).toContainText('occluded');
  // The model runtime works in its own worker (onnxruntime-web's proxy), not on the page's main
  // thread. (A busy runtime thread may not answer: it counts as another worker.)
  const workerNames = await Promise.all(
    page.workers().map((w) => Promise.race([w.evaluate(() => self.name), new Promise<string>((resolve) => setTimeout(() => resolve(''), 2000))])),
  );
  expect(workerNames).toContain('ort-wasm-proxy-worker');
  // The layer and channel views are filled too: the layer that moved most (largest Wasserstein in
  // the table) and one of its channels, for A and B.
  const tableRows = page.getByTestId('comparison-table').locator('tbody tr');
  const distances = await tableRows.evaluateAll((trs) => trs.map((tr) => ({ layer: tr.getAttribute('data-layer')!, w: Number(tr.querySelectorAll('td')[4].textContent) })));
  const movedMost = distances.reduce((best, d) => (d.w > best.w ? d : best));
  await expect(page.getByTestId('layer-detail').locator('h2')).toContainText(`Layer ${movedMost.layer}`);
  await expect(page.getByTestId('channel-table').locator('tr.selected')).toHaveCount(1);
  await expect(page.getByTestId('channel-detail').locator('h2')).toContainText(new RegExp(`^Channel \\d+ of ${movedMost.layer.replace(/[/.]/g, '\\$&')}$`));
  await expect(page.getByTestId('channel-A')).toBeVisible();
  await expect(page.getByTestId('channel-B')).toBeVisible();
  // Make B from A in one click: a blurred copy replaces B's feature maps.
  await page.getByRole('button', { name: 'Blur' }).click();
  await expect(page.getByTestId('live-B')).toContainText('blurred');
  await expect(page.getByTestId('pane-B')).toContainText('(blurred)');
  await waitDone(page, 'B', 5);
  // Draw a rectangle on A's image and occlude it: B changes again.
  const frame = page.getByTestId('live-A').locator('.image-frame');
  const box = (await frame.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.6, { steps: 4 });
  await page.mouse.up();
  const medianB = page.getByTestId('comparison-table').locator('tr[data-layer="/Relu_output_0"] td').nth(2);
  const before = await medianB.textContent();
  await page.getByRole('button', { name: 'Occlude the rectangle' }).click();
  await expect(page.getByTestId('live-B')).toContainText('occluded');
  await waitDone(page, 'B', 5);
  await expect(medianB).not.toHaveText(before!);
});

test('a model and an image through the UI: the exported SROPs equal srop on feature maps computed in Node', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(finalModel);
  await expect(page.getByTestId('model-status')).toContainText(manifest.final);
  await page.getByLabel('Input A image').setInputFiles(join(root, 'public', 'samples', 'digit7.png'));
  await waitDone(page, 'A', 5);
  const csv = await exportCsv(page);

  // The same intermediate tensors, computed independently: onnxruntime-web (WASM) in Node, on the
  // PNG decoded here, written to .npz and measured by the command.
  const png = decodeGreyPng(join(root, 'public', 'samples', 'digit7.png'));
  const input = Float32Array.from(png.pixels, (v) => v / 255);
  const parsed = parseModel(new Uint8Array(readFileSync(finalModel)), manifest.final);
  const session = await ModelSession.create(parsed, withOutputs(parsed, RELUS), 'wasm');
  const outputs = await session.run(manifest.final, input, [1, 1, 28, 28], RELUS);
  await session.release();
  const dir = mkdtempSync(join(tmpdir(), 'srop-live-'));
  writeFileSync(join(dir, 'live.npz'), zipSync(Object.fromEntries(RELUS.map((name) => [`${name}.npy`, float32Npy(outputs.get(name)!.data, outputs.get(name)!.dims)])), { level: 0 }));
  const command = srop(['--layout', 'nchw', 'live.npz'], dir);
  expect(csv[0]).toBe(`side,${command[0]},tensor`);
  const liveRows = csv.slice(1).filter((l) => l.startsWith('A,')).map((l) => l.slice(2));
  expectSameSrops(liveRows, command.slice(1), 1e-6);
});

test('a PyTorch export: the live path and the forward-hook activations give the same SROPs', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(join(fixtures, 'torch_cnn.onnx'));
  await expect(page.getByTestId('model-status')).toContainText('torch_cnn.onnx');
  // The default is the four ReLUs and the residual Add; the forward hooks caught the ReLUs only.
  const blocks = page.getByTestId('model-panel').getByRole('group', { name: /^Block outputs/ });
  await expect(blocks).toContainText('/Add_output_0');
  await blocks.getByRole('button', { name: 'none' }).click();
  await expect(page.locator('.candidates summary')).toContainText('Feature maps: 4 of ');
  await page.getByLabel('Input A image').setInputFiles(join(fixtures, 'input.npy'));
  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'torch_acts.npz'));
  await waitDone(page, 'A', 4);
  await waitDone(page, 'B', 4);
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(4);
  const csv = await exportCsv(page);
  // A's live maps are shown by their module paths (stem.relu), B's hook dump by its member names
  // (the tensor names): the table pairs them (4 rows above); the rows are compared by tensor name.
  await expect(page.getByTestId('comparison-table').locator('tr[data-layer="stem.relu"]')).toHaveCount(1);
  const side = (s: string) => csv.slice(1).filter((l) => l.startsWith(`${s},`)).map((l) => {
    const fields = l.slice(2).split(',');
    return [fields[fields.length - 1], ...fields.slice(1)].join(',');
  });
  const byLayer = (rows: string[]) => [...rows].sort((x, y) => x.split(',')[0].localeCompare(y.split(',')[0]));
  // torch and onnxruntime round differently in the last bits; the SROPs agree to 1e-4.
  expectSameSrops(byLayer(side('A')), byLayer(side('B')), 1e-4);
});

test('bad models, images and tensors get clear errors, and nothing already loaded is lost', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(finalModel);
  await page.getByLabel('Input A image').setInputFiles(join(root, 'public', 'samples', 'digit1.png'));
  await waitDone(page, 'A', 5);

  await page.getByLabel('Model (ONNX)').setInputFiles({ name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('these are notes, not a model') });
  await expect(page.getByTestId('model-error')).toContainText('notes.onnx: not an ONNX model');
  await expect(page.getByTestId('model-status')).toContainText(manifest.final);

  await page.getByLabel('Input B image').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) });
  await expect(page.getByTestId('model-error')).toContainText('broken.png: the image could not be decoded');

  await page.getByLabel('Input B image').setInputFiles(join(fixtures, 'input.npy'));
  await expect(page.getByTestId('model-error')).toContainText("input.npy: shape 1x3x32x32 is not the model's input shape 1x1x28x28");

  // Preprocessing the model cannot take is refused beside its field; the values in use stay.
  const top5 = page.getByTestId('top5-A');
  const before = await top5.textContent();
  for (const [text, why] of [['0', 'std needs values above 0 (the input is divided by it)'], ['abc', 'std needs numbers'], ['0.5, 0.5, 0.5', 'one value, or one per channel (1); got 3']]) {
    await page.getByLabel('Std').fill(text);
    await page.getByLabel('Std').blur();
    await expect(page.getByTestId('std-problem')).toContainText(`${why}; still using 1`);
  }
  await expect(page.getByLabel('Std')).toHaveAttribute('aria-invalid', 'true');
  await expect(top5).toHaveText(before!);
  await expect(top5).not.toContainText('NaN');
  // The demo model fixes its input at 1x1x28x28: size and colour cannot be changed.
  await expect(page.getByLabel('Input height')).toBeDisabled();
  await expect(page.getByLabel('Input width')).toBeDisabled();
  await expect(page.getByLabel('Colour')).toBeDisabled();
  // A click on A's image without a drag leaves an empty rectangle: Occlude refuses it.
  const frame = page.getByTestId('live-A').locator('.image-frame');
  await frame.scrollIntoViewIfNeeded();
  const box = (await frame.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.getByRole('button', { name: 'Occlude the rectangle' }).click();
  await expect(page.getByTestId('model-error')).toContainText("Occlude: the rectangle on A's image is empty");

  const twoInputs = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'two',
      input: ['x', 'z'].map((name) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [1, 1, 4, 4].map((d) => ({ dimValue: d })) } } } })),
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      node: [{ opType: 'Add', input: ['x', 'z'], output: ['y'] }],
    },
  }).finish();
  await page.getByLabel('Model (ONNX)').setInputFiles({ name: 'two_inputs.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(twoInputs) });
  await expect(page.getByTestId('model-error')).toContainText('two_inputs.onnx: the model has 2 inputs');

  const odd = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'odd',
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [1, 1, 4, 4].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      node: [{ opType: 'Relu', input: ['x'], output: ['r'] }, { opType: 'NoSuchOperator', input: ['r'], output: ['y'] }],
    },
  }).finish();
  await page.getByLabel('Model (ONNX)').setInputFiles({ name: 'odd.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(odd) });
  await expect(page.getByTestId('model-error')).toContainText('odd.onnx: the runtime cannot run this model');

  // Still the demo model, its feature maps and views.
  await expect(page.getByTestId('model-status')).toContainText(manifest.final);
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(5);
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(5);

  const dynamic = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'dynamic',
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }, { dimParam: 'H' }, { dimParam: 'W' }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      node: [{ opType: 'Relu', input: ['x'], output: ['r'] }, { opType: 'Sigmoid', input: ['r'], output: ['y'] }],
    },
  }).finish();
  await page.getByLabel('Model (ONNX)').setInputFiles({ name: 'dynamic.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(dynamic) });
  await expect(page.getByTestId('model-panel')).toContainText("dynamic.onnx: input 'x' has a dynamic shape [N, 1, H, W]; it needs a size");
});

test('an RGB model with photos of another size: resized, normalised, top-5 shown; the feature-map choice can change', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(join(fixtures, 'torch_cnn.onnx'));
  await expect(page.getByTestId('model-status')).toContainText('torch_cnn.onnx');
  // Preprocessing from the model: 32 x 32, RGB, ImageNet mean and std.
  await expect(page.getByLabel('Input height')).toHaveValue('32');
  await expect(page.getByLabel('Colour')).toHaveValue('3');
  await expect(page.getByLabel('Mean')).toHaveValue('0.485, 0.456, 0.406');
  // "Photos" far larger than the input (the README screenshot, 1280 px wide and some 3,000 tall) on both sides.
  await page.getByLabel('Input A image').setInputFiles(join(root, 'docs', 'screenshot.png'));
  await dropImage(page, 'pane-B', join(root, 'docs', 'screenshot.png'), 'photo_b.png');
  await waitDone(page, 'A', 5);
  await waitDone(page, 'B', 5);
  await expect(page.getByTestId('top5-A').locator('li')).toHaveCount(5);
  await expect(page.getByTestId('live-B')).toContainText('photo_b.png');
  // Choose the Conv outputs as well: 4 more feature maps per side, each in its place in network order.
  await page.getByTestId('model-panel').getByRole('group', { name: /^Conv/ }).getByRole('button', { name: 'all' }).click();
  await waitDone(page, 'A', 9);
  await expect(page.getByTestId('overview').locator('.overview-layer')).toHaveCount(9);
  const order = await page.getByTestId('overview').locator('.overview-layer').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-layer')));
  // Each named by its module path (the tensor on hover); the residual Add has no module: its tensor name.
  expect(order.slice(0, 5)).toEqual(['stem.conv', 'stem.relu', 'block1.conv', 'block1.relu', '/Add_output_0']);
  await expect(page.getByTestId('overview').locator('[data-layer="stem.relu"] title')).toContainText('tensor /stem/relu/Relu_output_0');
  // "default" puts the group back as it was.
  await page.getByTestId('model-panel').getByRole('group', { name: /^Conv/ }).getByRole('button', { name: 'default' }).click();
  await waitDone(page, 'A', 5);
});

async function dropImage(page: Page, testId: string, path: string, name: string) {
  await dropFile(page, testId, readFileSync(path), name, 'image/png');
}

async function dropFile(page: Page, testId: string, bytes: Uint8Array, name: string, type = 'application/octet-stream') {
  const base64 = Buffer.from(bytes).toString('base64');
  const dataTransfer = await page.evaluateHandle(([b, n, t]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))], n, { type: t }));
    return dt;
  }, [base64, name, type] as const);
  await page.dispatchEvent(`[data-testid=${testId}]`, 'drop', { dataTransfer });
}

test('a .npy dropped on a pane is the model input when its shape fits it, and activations otherwise', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Model (ONNX)').setInputFiles(join(fixtures, 'torch_cnn.onnx'));
  await expect(page.getByTestId('model-status')).toContainText('torch_cnn.onnx: input');
  await dropFile(page, 'pane-A', readFileSync(join(fixtures, 'input.npy')), 'input.npy');
  await expect(page.getByTestId('model-panel')).toContainText("input.npy: shape 1x3x32x32 is the model's input shape; taken as A's model input");
  await expect(page.getByTestId('live-A')).toContainText('tensor input input.npy');
  await waitDone(page, 'A', 5);
  await expect(page.getByTestId('top5-A').locator('li')).toHaveCount(5);
  // Another shape: an activation file of pane B, not B's input.
  await dropFile(page, 'pane-B', float32Npy(Float32Array.from({ length: 8 * 16 * 16 }, (_, i) => Math.sin(i / 3) ** 2), [1, 8, 16, 16]), 'relu1.npy');
  await expect(page.getByTestId('model-panel')).toContainText("relu1.npy: shape 1x8x16x16 is not the model's input shape 1x3x32x32; opened as activations on B");
  await expect(page.getByTestId('pane-B')).toContainText('relu1.npy');
  await expect(page.getByTestId('live-B')).not.toContainText('relu1.npy');
});
