import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { csvLines, downloadText, dropFiles, holdEngineBack, waitIdle } from './helpers/panes';
import { float32Npy } from '../src/testing/npyFile';

// Sessions that survive a reload and travel as one file: the demo model on a set of two images,
// B made from A, an occlusion run; a reload brings everything back with no engine call and no
// model run, and the exports are byte for byte what they were; a run interrupted by a reload
// resumes (after the page asked before leaving); a saved session opens in a fresh browser with the
// same exports; damaged session files give one message and lose nothing; the storage bound leaves
// files out, then keeps nothing, and says so.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A test waits for its file's layers to be done (waitIdle) before it asks for the session to be
// kept: `settle` alone passes at once while the page is still reading a file it was just given (no
// progress bar, no queued layer yet), and the session kept then had an empty pane (this was the
// flake once noted on issue 19). Each reload records the kept record before and after it
// (annotations), so that a failure says what was kept.
const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
const sample = (digit: number) => join(root, 'public', 'samples', `digit${digit}.png`);

type Hooks = {
  sropSession: { counts(): { engine: number; model: number } };
  sropKeeper: { state: { pending: boolean; kept: { at: string; bytes: number } | null; message: string | null }; setBound(bytes: number): void; flush(): Promise<void> };
  sropWorkspace: { state: { panes: Record<'A' | 'B', { files: Array<{ layers: Array<{ status: string }> }> }> } };
};
const counts = (page: Page) => page.evaluate(() => (window as unknown as Hooks).sropSession.counts());

async function settle(page: Page) {
  await expect(page.getByTestId('progress')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.locator('[data-status=queued], [data-status=running]')).toHaveCount(0, { timeout: 120_000 });
}

/** Waits until the session as it is now has been written to the browser's storage. */
async function kept(page: Page) {
  await page.evaluate(() => (window as unknown as Hooks).sropKeeper.flush());
  await page.waitForFunction(() => {
    const k = (window as unknown as Hooks).sropKeeper.state;
    return !k.pending && k.kept !== null;
  });
  // The last write worked (a failed one leaves the earlier kept session and says so in its message).
  const message = await page.evaluate(() => (window as unknown as { sropKeeper: { state: { message: string | null } } }).sropKeeper.state.message);
  expect(message ?? '').not.toMatch(/could not be kept/);
}

/** Everything the page exports, provenance lines left out (they carry the export's time). */
async function exportsOf(page: Page) {
  return {
    srops: await downloadText(page, 'Export SROPs as CSV'),
    comparison: await downloadText(page, 'Export comparison as CSV'),
    occlusion: await downloadText(page, 'Export occlusion as CSV'),
  };
}

/** A reload of the page at `url`: its address changed in place, then the page reloaded, as a user's reload does. */
async function reloadAt(page: Page, url: string) {
  const before = await keptFiles(page);
  await page.evaluate((to) => history.replaceState(null, '', to), url);
  await page.reload();
  const after = await keptFiles(page);
  test.info().annotations.push({ type: 'kept files', description: `before the reload ${JSON.stringify(before)}, after ${JSON.stringify(after)}` });
}

/** The files of pane A in the kept record of the browser's storage, and the layers' statuses (diagnostics). */
function keptFiles(page: Page) {
  return page.evaluate(
    () =>
      new Promise<unknown>((resolve) => {
        const req = indexedDB.open('srop-lab', 1);
        req.onerror = () => resolve(`open failed: ${req.error}`);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('session')) return resolve('no store');
          const get = db.transaction('session', 'readonly').objectStore('session').get('current');
          get.onsuccess = () => {
            const doc = get.result as { panes?: { A: { files: Array<{ name: string; layers: Array<{ status: string }> }> } } } | undefined;
            resolve(doc ? doc.panes?.A.files.map((f) => `${f.name}: ${f.layers.map((l) => l.status).join(' ')}`) : 'no record');
            db.close();
          };
          get.onerror = () => resolve(`get failed: ${get.error}`);
        };
      }),
  );
}

/**
 * After a reload: the kept session was restored. On failure it says what the page's keeper said
 * (its error and notes), and how long the restore had taken by then.
 */
async function restoredAfterReload(page: Page, filesA?: number) {
  const outcome = await page.evaluate(async () => {
    const keeper = (window as unknown as { sropKeeper: { started: Promise<boolean>; state: { error: string | null; notes: string[] } } }).sropKeeper;
    const t0 = performance.now();
    const restored = await Promise.race([keeper.started, new Promise<string>((r) => setTimeout(() => r('not settled after 50 s'), 50_000))]);
    const panes = (window as unknown as Hooks).sropWorkspace.state.panes;
    return { restored, ms: Math.round(performance.now() - t0), error: keeper.state.error, notes: keeper.state.notes, A: panes.A.files.length };
  });
  expect(outcome, `${JSON.stringify(outcome)}; ${JSON.stringify(test.info().annotations)}`).toMatchObject({ restored: true, error: null, ...(filesA === undefined ? {} : { A: filesA }) });
}

async function doneCount(page: Page) {
  return page.locator('[data-status=done]').count();
}

/** The demo model, digits 7 and 3 as A's set, B blurred from A, kappa 0.8, a 2 x 2 occlusion. */
async function buildSession(page: Page) {
  await page.goto('/?backend=cpu&nodemo');
  await page.getByRole('button', { name: 'Load the demo model' }).click();
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await page.getByLabel('Input A images').setInputFiles([sample(7), sample(3)]);
  await expect(page.getByTestId('set-count-A')).toContainText('2 inputs', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Blur' }).click();
  await expect(page.getByTestId('set-count-B')).toContainText('2 inputs', { timeout: 60_000 });
  await settle(page);
  await page.getByLabel('kappa', { exact: true }).fill('0.8');
  await page.getByLabel('kappa', { exact: true }).press('Enter');
  await page.getByLabel('Patch size').fill('14');
  await page.getByLabel('Stride').fill('14');
  await page.getByRole('button', { name: 'Run occlusion' }).click();
  await expect(page.getByTestId('occlusion-correlation')).toContainText('4 positions', { timeout: 120_000 });
  await settle(page);
}

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, acceptDownloads: true });
  return context.newPage();
}

test('a reload brings the session back without recomputing: zero engine calls and model runs, identical exports; saved, it opens in a fresh browser the same', async ({ page, browser }) => {
  await buildSession(page);
  const done = await doneCount(page);
  expect(done).toBeGreaterThan(6);
  const before = await exportsOf(page);
  expect(before.srops.split('\n').length).toBeGreaterThan(20);
  await kept(page);
  await expect(page.getByTestId('session-kept')).toContainText(/kept in this browser \(\d+\.\d MB of at most \d+ MB\)/);

  await reloadAt(page, '/?backend=cpu');
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await expect(page.locator('[data-status=done]')).toHaveCount(done);
  await expect(page.getByTestId('set-count-A')).toContainText('2 inputs');
  await expect(page.getByTestId('set-count-B')).toContainText('2 inputs');
  await expect(page.getByLabel('kappa', { exact: true })).toHaveValue('0.8');
  await expect(page.getByTestId('occlusion-correlation')).toContainText('4 positions');
  const after = await exportsOf(page);
  expect(after).toEqual(before);
  expect(await counts(page)).toEqual({ engine: 0, model: 0 });
  // The channel view of a restored live layer: the model runs again, for that one input.
  const layer = (await page.getByTestId('pane-A').locator('tr[data-layer]').first().getAttribute('data-layer'))!;
  await page.getByTestId('overview').locator(`[data-layer="${layer}"]`).click();
  await page.getByTestId('layer-detail').getByRole('button', { name: 'Channel 1', exact: true }).click();
  await expect(page.getByTestId('channel-A').getByTestId('feature-map-A').locator('image')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('channel-detail').locator('.error')).toHaveCount(0);
  // (and the counters do count: that map's run, and its spectrum on the engine)
  expect((await counts(page)).model).toBeGreaterThan(0);
  expect((await counts(page)).engine).toBeGreaterThan(0);

  // Saved as one file, opened in another browser: the same exports, nothing recomputed.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save session' }).click()]);
  expect(download.suggestedFilename()).toBe(`session-${manifest.final.replace(/\.onnx$/, '')}-k0.8.srop.zip`);
  const dir = mkdtempSync(join(tmpdir(), 'srop-session-'));
  const saved = join(dir, 'mine.srop.zip');
  await download.saveAs(saved);
  const other = await freshPage(browser);
  await other.goto('/?backend=cpu&nodemo');
  await other.getByLabel('Open session').setInputFiles(saved);
  await expect(other.getByTestId('session-notes')).toContainText('mine.srop.zip opened', { timeout: 60_000 });
  await expect(other.locator('[data-status=done]')).toHaveCount(done);
  expect(await exportsOf(other)).toEqual(before);
  expect(await counts(other)).toEqual({ engine: 0, model: 0 });

  // A truncated and a corrupted session file (one dropped on a pane): one message each, naming the file; nothing lost.
  const bytes = readFileSync(saved);
  writeFileSync(join(dir, 'cut.srop.zip'), bytes.subarray(0, bytes.length >> 1));
  const flipped = Buffer.from(bytes);
  const at = flipped.indexOf(Buffer.from('PK\x03\x04', 'binary'), flipped.length >> 1);
  flipped[at + 200] ^= 0xff;
  writeFileSync(join(dir, 'flipped.srop.zip'), flipped);
  await other.getByLabel('Open session').setInputFiles(join(dir, 'cut.srop.zip'));
  await expect(other.getByTestId('session-error')).toHaveText(/^cut\.srop\.zip: not a session file, or a damaged or truncated one \(the zip cannot be read: .*\)\. What was open stays\. Dismiss$/);
  await dropFiles(other, '[data-testid=pane-B]', dir, ['flipped.srop.zip']);
  await expect(other.getByTestId('session-error')).toHaveText(/^flipped\.srop\.zip: (the entry \S+ is damaged \(its size or checksum is not the manifest's\)|not a session file, or a damaged or truncated one .*)\. What was open stays\. Dismiss$/);
  await expect(other.locator('[data-status=done]')).toHaveCount(done);
  expect(await exportsOf(other)).toEqual(before);
  await other.context().close();
});

test('a run interrupted by a reload: the page asks before leaving, then resumes the layers it had not measured', async ({ page, browser }) => {
  // Sixteen layers of 8 maps of 97 x 89.
  const dir = mkdtempSync(join(tmpdir(), 'srop-interrupt-'));
  const members: Record<string, Uint8Array> = {};
  for (let k = 0; k < 16; k++) {
    const data = new Float32Array(8 * 97 * 89);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * (0.001 + k * 0.0007)) + ((i * 7919 + k) % 13) / 13;
    members[`layer${String(k).padStart(2, '0')}.npy`] = float32Npy(data, [1, 8, 97, 89]);
  }
  writeFileSync(join(dir, 'big.npz'), zipSync(members, { level: 0 }));
  await page.goto('/?backend=cpu&nodemo');
  // This page's engine takes its time over each layer (the reload comes in the middle of the queue).
  await holdEngineBack(page, 500);
  await page.getByLabel('Input A activations').setInputFiles(join(dir, 'big.npz'));
  // Kept while layers are still to be measured.
  await page.waitForFunction(() => {
    const h = window as unknown as Hooks;
    const statuses = h.sropWorkspace.state.panes.A.files.flatMap((f) => f.layers.map((l) => l.status));
    return h.sropKeeper.state.kept !== null && !h.sropKeeper.state.pending && statuses.filter((s) => s === 'queued').length >= 4;
  }, undefined, { timeout: 60_000 });
  await page.getByLabel('kappa', { exact: true }).click();
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.type();
    void dialog.accept();
  });
  await page.goto('/?backend=cpu');
  expect(asked).toBe('beforeunload');
  await expect(page.getByTestId('session-notes')).toContainText(/\d+ layers? (was|were) interrupted by a reload: resumed/, { timeout: 60_000 });
  await settle(page);
  await expect(page.locator('[data-status=done]')).toHaveCount(16);
  const resumed = await downloadText(page, 'Export SROPs as CSV');
  // The same numbers as a page that measured the file in one go.
  const other = await freshPage(browser);
  await other.goto('/?backend=cpu&nodemo');
  await other.getByLabel('Input A activations').setInputFiles(join(dir, 'big.npz'));
  await settle(other);
  await expect(other.locator('[data-status=done]')).toHaveCount(16);
  expect(await downloadText(other, 'Export SROPs as CSV')).toBe(resumed);
  await other.context().close();
});

test('the storage bound: files left out first (named, to be picked again), then nothing kept, with a message', async ({ page }) => {
  const fixtures = join(root, 'test', 'fixtures', 'srop');
  await page.goto('/?backend=cpu&nodemo');
  // 252 kB of maps whose profiles take a few kB: a bound of 100 kB leaves the file out.
  await page.evaluate(() => (window as unknown as Hooks).sropKeeper.setBound(100_000));
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'maps_251x251.npy'));
  await waitIdle(page, 1);
  await kept(page);
  await expect(page.getByTestId('session-bound')).toHaveText('Kept in this browser without maps_251x251.npy (246 kB) (past the 98 kB it keeps): after a reload, pick it again to see its maps.');
  const before = await downloadText(page, 'Export SROPs as CSV');
  await reloadAt(page, '/?backend=cpu');
  await restoredAfterReload(page);
  await expect(page.locator('[data-status=done]')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByTestId('session-notes')).toContainText('Not kept: maps_251x251.npy (246 kB): pick it again to see its maps');
  await expect(page.getByTestId('pane-A')).toContainText('not kept: pick it again');
  expect(await downloadText(page, 'Export SROPs as CSV')).toBe(before);
  expect(await counts(page)).toEqual({ engine: 0, model: 0 });
  // Past the bound even without the file: nothing is kept, the page says so, and a reload opens as a fresh page (the demo).
  await page.evaluate(() => (window as unknown as Hooks).sropKeeper.setBound(1_000));
  await expect(page.getByTestId('session-bound')).toContainText('This session is not kept in this browser: without its activation files it holds', { timeout: 30_000 });
  await expect(page.getByTestId('session-bound')).toContainText('past the 1 kB the browser keeps. A reload would lose it: use Save session to keep it as a file.');
  await reloadAt(page, '/?backend=cpu');
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await expect(page.getByTestId('pane-A')).not.toContainText('maps_251x251.npy');
  await expect(page.getByTestId('session-notes')).toHaveCount(0);
});

test('New session forgets the kept session and opens the demo as a fresh page does', async ({ page }) => {
  await page.goto('/?backend=cpu&nodemo');
  await page.getByLabel('Input A activations').setInputFiles(join(root, 'test', 'fixtures', 'srop', 'maps_28x28.npy'));
  await waitIdle(page, 1);
  await kept(page);
  await reloadAt(page, '/?backend=cpu');
  await restoredAfterReload(page, 1);
  // A kept session is restored instead of the demo.
  await expect(page.getByTestId('pane-A')).toContainText('maps_28x28.npy', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).not.toContainText(manifest.final);
  await page.getByRole('button', { name: 'New session' }).click();
  await expect(page.getByTestId('model-status')).toContainText(manifest.final, { timeout: 60_000 });
  await expect(page.getByTestId('pane-A')).not.toContainText('maps_28x28.npy');
});

test('a session written by srop compare opens in the page: the same comparison with no engine call, other kappas from its profiles, a file past the bound marked to pick again; one from srop run shows its profiles', async ({ page }) => {
  // A: three layers of awkward sizes (a channels-last member among them); B: the same maps, shifted.
  const dir = mkdtempSync(join(tmpdir(), 'srop-cli-session-'));
  const npz = (shift: number) => {
    const members: Record<string, Uint8Array> = {};
    for (const [k, [c, h, w]] of [[5, 17, 23], [3, 31, 8], [6, 9, 9]].entries()) {
      const data = new Float32Array(2 * c * h * w);
      for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.sin(i * (0.013 + k * 0.004 + shift)) + ((i * 7919 + k) % 11) / 11 - 0.4);
      members[`conv${k}.npy`] = float32Npy(data, [2, c, h, w]);
    }
    return zipSync(members, { level: 0 });
  };
  writeFileSync(join(dir, 'a.npz'), npz(0));
  writeFileSync(join(dir, 'b.npz'), npz(0.02));
  const cli = (args: string[]) => execFileSync(process.execPath, [join(root, 'bin', 'srop.mjs'), ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
  const command = cli(['compare', '--backend', 'cpu', 'a.npz', 'b.npz', '--session', 'cmp.srop.zip']);
  const at06 = cli(['compare', '--backend', 'cpu', '--kappa', '0.6', 'a.npz', 'b.npz']);
  // B's file past a bound that holds A's only.
  cli(['compare', '--backend', 'cpu', 'a.npz', 'b.npz', '--session', 'bound.srop.zip', '--session-max-mb', String(readFileSync(join(dir, 'a.npz')).length / 1e6 + 0.001)]);

  await page.goto('/?backend=cpu&nodemo');
  await page.getByLabel('Open session').setInputFiles(join(dir, 'cmp.srop.zip'));
  await expect(page.getByTestId('session-notes')).toContainText('cmp.srop.zip opened', { timeout: 60_000 });
  await expect(page.locator('[data-status=done]')).toHaveCount(6);
  expect(csvLines(await downloadText(page, 'Export comparison as CSV'))).toEqual(command);
  // Another kappa: recomputed from the kept profiles (no FFT), as the command computes it.
  await page.getByLabel('kappa', { exact: true }).fill('0.6');
  await page.getByLabel('kappa', { exact: true }).press('Enter');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).toHaveCount(3);
  await expect.poll(async () => csvLines(await downloadText(page, 'Export comparison as CSV'))).toEqual(at06);
  expect((await counts(page)).engine).toBe(0);
  // The kept files are the command's inputs: a channel's map is read from them.
  const layer = (await page.getByTestId('pane-A').locator('tr[data-layer]').first().getAttribute('data-layer'))!;
  await page.getByTestId('overview').locator(`[data-layer="${layer}"]`).click();
  await page.getByTestId('layer-detail').getByRole('button', { name: 'Channel 1', exact: true }).click();
  await expect(page.getByTestId('channel-A').getByTestId('feature-map-A').locator('image')).toHaveCount(1, { timeout: 60_000 });

  // B's file was past the bound: its layers are there, from their profiles; the file is marked to pick again.
  await page.getByLabel('Open session').setInputFiles(join(dir, 'bound.srop.zip'));
  await expect(page.getByTestId('session-notes')).toContainText('bound.srop.zip opened', { timeout: 60_000 });
  await expect(page.locator('[data-status=done]')).toHaveCount(6);
  await expect(page.getByTestId('pane-B')).toContainText('not kept: pick it again');
  await expect(page.getByTestId('pane-A')).not.toContainText('not kept: pick it again');
  expect(csvLines(await downloadText(page, 'Export comparison as CSV'))).toEqual(command);

  // srop run on the demo model and two digits: one file of profiles per side, its layers done.
  const model = join(root, 'public', 'demo', manifest.final);
  cli(['run', '--backend', 'cpu', '--model', model, '--session', 'run.srop.zip', '--out', join(dir, 'run.csv'), sample(7), sample(3), '--b', sample(3), sample(7)]);
  const engineCalls = (await counts(page)).engine;
  await page.getByLabel('Open session').setInputFiles(join(dir, 'run.srop.zip'));
  await expect(page.getByTestId('session-notes')).toContainText('run.srop.zip opened', { timeout: 60_000 });
  await expect(page.getByTestId('pane-A')).toContainText('profiles only');
  await expect(page.getByTestId('pane-B')).toContainText('profiles only');
  await expect(page.getByTestId('comparison-table').locator('tbody tr')).not.toHaveCount(0);
  expect((await counts(page)).engine).toBe(engineCalls);
});
