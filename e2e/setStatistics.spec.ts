import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { blur } from '../src/model/preprocess';
import { csvLines, downloadText } from './helpers/panes';

// A set of images for A in the page, B made from A (blurred), and the comparison's statistics
// across inputs against the command on the same maps: `srop run --b` on the same images and on the
// same blurred images written as PNG (blurred here by the page's own function, so the pixels are
// the page's). The page runs the model with onnxruntime-web, the command with onnxruntime-node:
// the pooled figures agree to float32 rounding, the tests' branches and inputs exactly.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
const demo = join(root, 'public', 'demo', manifest.final);
const sample = (digit: number) => join(root, 'public', 'samples', `digit${digit}.png`);
// The statistics across inputs, then the layer's tensor name (last, so that older readers keep working).
const NEW_COLUMNS = ['inputs_a', 'inputs_b', 'test', 'input_median_delta', 'p_value', 'p_holm', 'tensor'];

test('images picked for A, B made from A: the comparison’s statistics across inputs equal srop run --b on the same images', async ({ page }) => {
  const digits = [0, 2, 3, 5, 6, 8];
  const dir = mkdtempSync(join(tmpdir(), 'srop-sets-'));
  try {
    // The command's inputs: A's PNGs as they are, and B's blurred by the page's function (sigma 1.5).
    mkdirSync(join(dir, 'A'));
    mkdirSync(join(dir, 'B'));
    for (const d of digits) {
      copyFileSync(sample(d), join(dir, 'A', `digit${d}.png`));
      const png = PNG.sync.read(readFileSync(sample(d)));
      const blurred = blur({ width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) }, 1.5);
      const out = new PNG({ width: png.width, height: png.height });
      out.data = Buffer.from(blurred.data);
      writeFileSync(join(dir, 'B', `digit${d}.png`), PNG.sync.write(out));
    }

    await page.goto('/?backend=cpu&nodemo');
    await page.getByLabel('Model (ONNX)').setInputFiles(demo);
    await expect(page.getByTestId('model-status')).toContainText(`${manifest.final}: input`, { timeout: 60_000 });
    await page.getByLabel('Input A images').setInputFiles(digits.map(sample));
    await expect(page.getByTestId('set-count-A')).toContainText(`${digits.length} inputs`, { timeout: 60_000 });
    await page.getByLabel('Strength').fill('1.5');
    await page.getByRole('button', { name: 'Blur' }).click();
    await expect(page.getByTestId('set-count-B')).toContainText(`${digits.length} inputs`, { timeout: 60_000 });
    await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
    await expect(page.locator('[data-status=queued], [data-status=running]')).toHaveCount(0, { timeout: 120_000 });
    await expect(page.getByTestId('comparison-table')).toBeVisible();

    const exported = csvLines(await downloadText(page, 'Export comparison as CSV'));
    const command = execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), 'run', '--model', demo, '--backend', 'cpu', 'A', '--b', 'B'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n');
    expect(exported[0]).toBe(command[0]);
    expect(exported[0].split(',').slice(-7)).toEqual(NEW_COLUMNS);
    expect(exported).toHaveLength(command.length);
    const header = command[0].split(',');
    for (let i = 1; i < command.length; i++) {
      const got = exported[i].split(','), want = command[i].split(',');
      for (let k = 0; k < header.length; k++) {
        const column = header[k];
        if (['layer', 'channels', 'inputs_a', 'inputs_b', 'test', 'tensor'].includes(column)) {
          expect(got[k], `${want[0]} ${column}`).toBe(want[k]);
        } else if (want[k] === '' || got[k] === '') {
          expect(got[k], `${want[0]} ${column}`).toBe(want[k]);
        } else {
          // SROPs from the two runtimes differ in the last float32 bits; ranks, and so the p-values, do
          // not move. A pair of maps whose SROPs are nearly equal may tip between "equal" and
          // "rising": share_rising (a share of a few hundred pairs) is allowed a few such pairs.
          const tolerance = column.startsWith('p_') ? 1e-9 : column.startsWith('dead') ? 0 : column === 'share_rising' ? 0.01 : 1e-4;
          expect(Math.abs(Number(got[k]) - Number(want[k])), `${want[0]} ${column}: ${got[k]} vs ${want[k]}`).toBeLessThanOrEqual(tolerance);
        }
      }
      expect(want[header.indexOf('test')]).toBe('wilcoxon');
      expect(want[header.indexOf('inputs_a')]).toBe(String(digits.length));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
