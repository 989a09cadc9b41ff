import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { downloadText, dropFiles as dropOn, expectCsvClose, sropCommand as sropIn, waitIdle } from './helpers/panes';

// PyTorch (torch.save) and HDF5 activation files in the page, written by Debian's python3-torch and
// python3-h5py (tools/make_torch_hdf5_fixtures.py): picked and dropped, they give the SROPs the
// `srop` command gives for the same arrays in .npz (each fixture's twin, <file>.npz); HDF5's
// reader (a worker with h5wasm) is fetched only when an HDF5 file is opened; bad entries are one
// line each, and the good ones load.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test', 'fixtures', 'torch_hdf5');
const dropFiles = (page: Page, selector: string, names: string[]) => dropOn(page, selector, fixtures, names);
const sropCommand = (args: string[]) => sropIn(fixtures, args);






test('a .pt picked on A and an .h5 dropped on B give the SROPs the command gives for the same arrays in .npz; the HDF5 reader loads only then', async ({ page }) => {
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await page.goto('/?nodemo&backend=cpu');
  await expect(page.getByLabel('Input A activations')).toHaveAttribute('accept', /\.pt,.*\.h5/);
  await page.getByLabel('Input A activations').setInputFiles(join(fixtures, 'views.pt'));
  await waitIdle(page, 9);
  expect(requested.filter((p) => /hdf5/i.test(p)), 'nothing of the HDF5 reader before an HDF5 file').toEqual([]);

  await dropFiles(page, '[data-testid=pane-B]', ['acts.h5']);
  await waitIdle(page, 14);
  expect(requested.filter((p) => /hdf5Worker/.test(p)).length).toBeGreaterThan(0);
  await expect(page.getByTestId('pane-B')).toContainText('block1/deep/x');
  await expect(page.getByTestId('pane-B')).toContainText('NHWC'); // the channels-last dataset

  const csv = (await downloadText(page, 'Export SROPs as CSV')).trim().split('\n');
  const a = sropCommand(['views.pt.npz']);
  const b = sropCommand(['acts.h5.npz']);
  expect(csv[0]).toBe(`side,${a[0]},tensor`);
  // The same rows, each naming its own file (the last column): the .pt and .h5, not their twins.
  const own = (lines: string[], twin: string) => lines.map((l) => l.replace(new RegExp(`,${twin.replaceAll('.', '\\.')}$`), `,${twin.replace(/\.npz$/, '')}`));
  // and the full tensor name last: for a file's layer, its name in the file.
  const withTensor = (l: string) => `${l},${l.split(',')[0]}`;
  expectCsvClose(csv.slice(1), [...own(a.slice(1), 'views.pt.npz').map((l) => `A,${withTensor(l)}`), ...own(b.slice(1), 'acts.h5.npz').map((l) => `B,${withTensor(l)}`)], 1e-9);
  // and the command reads the .pt and the .h5 themselves the same way
  expect(sropCommand(['views.pt'])).toEqual([a[0], ...own(a.slice(1), 'views.pt.npz')]);
  expect(sropCommand(['acts.h5'])).toEqual([b[0], ...own(b.slice(1), 'acts.h5.npz')]);
});

test('bad entries of a .pt and an .h5 are one line each, the good ones load; a damaged HDF5 chunk names its dataset', async ({ page }) => {
  await page.goto('/?nodemo&backend=cpu');
  await dropFiles(page, '[data-testid=pane-A]', ['bad_mixed.pt', 'bad_mixed.h5', 'bad_legacy.pt']);
  const errors = page.getByTestId('errors-A');
  await expect(errors).toContainText("bad_mixed.pt: entry layer3: global 'numpy.core.multiarray._reconstruct' is not allowed");
  await expect(errors).toContainText("bad_mixed.pt: entry sub: tensor subclass '__main__.Subclassed' is not supported");
  await expect(errors).toContainText('bad_mixed.pt: entry five: shape (1, 2, 2, 3, 3) has 5 axes; a feature map needs 1 to 4');
  await expect(errors).toContainText('bad_mixed.h5: dataset /flags: dtype bool (an HDF5 enum) is not a real number type');
  await expect(errors).toContainText('bad_legacy.pt: a legacy torch.save file');
  await waitIdle(page, 4); // good and other, of each file
  expect(await errors.locator('li').count()).toBe(5 + 6 + 1);

  await page.getByLabel('Input B activations').setInputFiles(join(fixtures, 'bad_chunk.h5'));
  await expect(page.getByTestId('errors-B')).toContainText('bad_chunk.h5: dataset /x: reading maps 0..3 failed (HDF5 could not read the slice: filter returned failure during read)');
  await expect(page.getByTestId('pane-A').locator('[data-status=done]')).toHaveCount(4);
});
