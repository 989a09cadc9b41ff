import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { csvLines, downloadText } from './helpers/panes';

// Statistics across inputs in the page, on files whose batch axis holds the inputs
// (test/helpers/make_input_sets.py: A and B hold 8 inputs each, B is A blurred on conv1; C holds
// 5): the comparison table's new columns, the "paired" toggle, the overview's mark and the
// per-input plot; the exported comparison equals `srop compare` on the same files, with and
// without --unpaired, and the p-values equal scipy's.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A fresh seed each run (said in the report's annotations; SROP_INPUT_SETS_SEED repeats one).
const seed = Number(process.env.SROP_INPUT_SETS_SEED ?? Math.floor(Math.random() * 1e9));
// The statistics across inputs, then the layer's tensor name (last, so that older readers keep working).
const NEW_COLUMNS = ['inputs_a', 'inputs_b', 'test', 'input_median_delta', 'p_value', 'p_holm', 'tensor'];

let dir = '';
let want: Record<string, Record<string, Record<string, unknown>>>;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'srop-inputsets-'));
  execFileSync('python3', [join(root, 'test', 'helpers', 'make_input_sets.py'), dir, String(seed)]);
  want = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
});

function sropCompare(args: string[]): string[] {
  const out = execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), 'compare', '--backend', 'cpu', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trim().split('\n');
}


async function waitIdle(page: Page, layers: number) {
  await expect(page.locator('[data-status=done]')).toHaveCount(layers, { timeout: 120_000 });
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
}

/** The page's comparison CSV against the command's: same header, same rows, numbers within 1e-12 (both float64 CPU). */
function expectSameCsv(got: string[], command: string[]) {
  expect(got[0]).toBe(command[0]);
  expect(got[0].split(',').slice(-7)).toEqual(NEW_COLUMNS);
  expect(got).toHaveLength(command.length);
  for (let i = 1; i < got.length; i++) {
    const g = got[i].split(','), w = command[i].split(',');
    expect(g.length).toBe(w.length);
    g.forEach((v, k) => {
      if (v !== '' && w[k] !== '' && Number.isFinite(Number(w[k]))) expect(Math.abs(Number(v) - Number(w[k])), `${got[i]} vs ${command[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(Number(w[k]))));
      else expect(v, `${got[i]} vs ${command[i]}`).toBe(w[k]);
    });
  }
}

/** The new columns of a CSV against scipy's answers (make_input_sets.py). */
function expectScipy(csv: string[], key: string) {
  const header = csv[0].split(',');
  for (const line of csv.slice(1)) {
    const row = Object.fromEntries(line.split(',').map((v, i) => [header[i], v]));
    const e = want[key][row.layer];
    expect(row.test, `${key} ${row.layer}`).toBe(e.test);
    expect(Number(row.inputs_a)).toBe(e.inputs_a);
    expect(Number(row.inputs_b)).toBe(e.inputs_b);
    for (const field of ['p_value', 'p_holm', 'input_median_delta']) {
      if (e[field] === null) expect(row[field]).toBe('');
      else expect(Math.abs(Number(row[field]) - (e[field] as number)), `${key} ${row.layer} ${field}`).toBeLessThanOrEqual(1e-9);
    }
  }
}

test('sets on the batch axis: paired and unpaired statistics across inputs equal srop compare and scipy', async ({ page }) => {
  test.info().annotations.push({ type: 'seed', description: `make_input_sets.py seed ${seed}` });
  console.log(`inputstats: make_input_sets.py seed ${seed}`);
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(dir, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(dir, 'b.npz'));
  await waitIdle(page, 6);

  // Paired by default (8 inputs on each side): Wilcoxon; relu3 has 2 live inputs on A, no test.
  const table = page.getByTestId('comparison-table');
  const toggle = page.getByRole('checkbox', { name: 'paired inputs' });
  await expect(toggle).toBeVisible();
  await expect(toggle).toBeChecked();
  await expect(table.locator('tr[data-layer=conv1] td[data-column=test]')).toHaveText('wilcoxon');
  await expect(table.locator('tr[data-layer=conv1] td[data-column=inputs]')).toHaveText('8 | 8');
  await expect(table.locator('tr[data-layer=relu3] td[data-column=test]')).toHaveText('none');
  await expect(table.locator('tr[data-layer=relu3] td[data-column=p_value]')).toHaveText('–');

  const paired = csvLines(await downloadText(page, 'Export comparison as CSV'));
  expectSameCsv(paired, sropCompare(['a.npz', 'b.npz']));
  expectScipy(paired, 'a-b');

  // The overview marks exactly the layers whose p_holm < 0.05: conv1 (B blurred) among them.
  const overview = page.getByTestId('overview');
  const marked = Object.entries(want['a-b']).filter(([, e]) => e.p_holm !== null && (e.p_holm as number) < 0.05).map(([layer]) => layer);
  expect(marked).toContain('conv1');
  for (const layer of ['conv1', 'conv2', 'relu3']) {
    await expect(overview.locator(`[data-layer=${layer}] [data-inputs-differ]`)).toHaveCount(marked.includes(layer) ? 1 : 0);
  }
  await expect(overview.locator('[data-layer=conv1]')).toHaveAttribute('aria-label', /inputs differ, p Holm/);

  // The layer view's per-input plot: 8 inputs per side, joined input by input.
  await overview.locator('[data-layer=conv1]').click();
  const plot = page.getByTestId('input-plot');
  await expect(plot.locator('circle[data-side=A]')).toHaveCount(8);
  await expect(plot.locator('circle[data-side=B]')).toHaveCount(8);
  await expect(plot.locator('line[data-pair]')).toHaveCount(8);

  // The JSON export carries the same figures and each input's median.
  const json = JSON.parse(await downloadText(page, 'Export JSON'));
  const conv1 = json.shown.find((r: { layer: string }) => r.layer === 'conv1').comparison;
  expect(conv1.test).toBe('wilcoxon');
  expect(Math.abs(conv1.p_value - (want['a-b'].conv1.p_value as number))).toBeLessThanOrEqual(1e-9);
  expect(conv1.input_medians_a).toHaveLength(8);

  // Pairing off: Mann-Whitney, as `srop compare --unpaired`; the plot no longer joins the inputs.
  await toggle.uncheck();
  await expect(table.locator('tr[data-layer=conv1] td[data-column=test]')).toHaveText('mann-whitney');
  const unpaired = csvLines(await downloadText(page, 'Export comparison as CSV'));
  expectSameCsv(unpaired, sropCompare(['--unpaired', 'a.npz', 'b.npz']));
  expectScipy(unpaired, 'a-b-unpaired');
  await expect(plot.locator('line[data-pair]')).toHaveCount(0);
  await expect(plot.locator('circle[data-side=A]')).toHaveCount(8);
});

test('sets of different sizes: unpaired, the toggle says why and cannot pair; equal to srop compare', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await page.getByLabel('Input A activations').setInputFiles(join(dir, 'a.npz'));
  await page.getByLabel('Input B activations').setInputFiles(join(dir, 'c.npz'));
  await waitIdle(page, 6);
  const toggle = page.getByRole('checkbox', { name: 'paired inputs' });
  await expect(toggle).toBeVisible();
  await expect(toggle).toBeDisabled();
  await expect(page.getByTestId('pairing')).toContainText('different numbers of inputs');
  await expect(page.getByTestId('comparison-table').locator('tr[data-layer=conv1] td[data-column=inputs]')).toHaveText('8 | 5');
  const csv = csvLines(await downloadText(page, 'Export comparison as CSV'));
  expectSameCsv(csv, sropCompare(['a.npz', 'c.npz']));
  expectScipy(csv, 'a-c');
});
