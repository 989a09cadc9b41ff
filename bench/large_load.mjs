#!/usr/bin/env node
// The visualiser's memory check: a large set of activations (ResNet-50-shaped ReLU outputs for a
// batch, written by numpy as one .safetensors file) loaded into pane A of the built app in
// Chromium (CPU engine). Prints the file size, the time until every layer is done, and the page's
// peak JavaScript heap, and the longest gap between two animation frames meanwhile. Not part of `npm test` (it writes gigabytes); run it by hand:
//
//   npm run build && node bench/large_load.mjs [--batch 52] [--keep]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const batch = Number(args[args.indexOf('--batch') + 1] || 52) || 52;
const dir = join(root, 'tmp');
mkdirSync(dir, { recursive: true });
const file = join(dir, `resnet50_batch${batch}.safetensors`);

const python = `
import json, struct, sys
import numpy as np
shapes = json.load(open(sys.argv[1]))['resnet50']
batch = int(sys.argv[2])
rng = np.random.default_rng(1)
header, offset = {}, 0
for i, (c, h, w) in enumerate(shapes):
    n = batch * c * h * w * 4
    header[f'layer{i:02d}'] = {'dtype': 'F32', 'shape': [batch, c, h, w], 'data_offsets': [offset, offset + n]}
    offset += n
text = json.dumps(header).encode(); text += b' ' * (-len(text) % 8)
with open(sys.argv[3], 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text)
    for c, h, w in shapes:
        for item in range(batch):
            f.write(np.maximum(rng.standard_normal((c, h, w), dtype=np.float32) - 0.5, 0).tobytes())
`;
if (!existsSync(file)) {
  console.log(`writing ${file} ...`);
  const r = spawnSync('python3', ['-c', python, join(root, 'bench', 'workloads.json'), String(batch), file], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const bytes = statSync(file).size;

const { chromium } = await import('playwright-core');
const port = 4900 + Math.floor(Math.random() * 90);
const server = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-precise-memory-info'] });
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  // ?nodemo: the set alone (the demo model would load beside it otherwise).
  await page.goto(`http://127.0.0.1:${port}/?nodemo&backend=cpu`);
  // Responsiveness: the longest gap between two animation frames while the set loads.
  await page.evaluate(() => {
    const w = window;
    w.longestFrameGap = 0;
    let last = performance.now();
    const tick = (t) => {
      w.longestFrameGap = Math.max(w.longestFrameGap, t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  await page.getByLabel('Input A activations').setInputFiles(file);
  let peak = 0;
  for (;;) {
    const s = await page.evaluate(() => {
      const ws = window.sropWorkspace;
      const entries = ws.entries('A');
      return { heap: performance.memory?.usedJSHeapSize ?? 0, done: entries.filter((e) => e.status === 'done').length, total: entries.length, errors: ws.state.panes.A.errors };
    });
    peak = Math.max(peak, s.heap);
    if (s.errors.length) throw new Error(s.errors.join('\n'));
    if (s.total > 0 && s.done === s.total) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - t0) / 1000;
  const rows = await page.locator('[data-testid=overview] .overview-layer').count();
  const longestFrameGapMs = Math.round(await page.evaluate(() => window.longestFrameGap));
  console.log(JSON.stringify({ file: file.replace(root + '/', ''), gigabytes: +(bytes / 1e9).toFixed(2), batch, layers: rows, seconds, peakHeapMiB: Math.round(peak / 2 ** 20), longestFrameGapMs }));
  await browser.close();
} finally {
  try {
    process.kill(-server.pid);
  } catch {}
  if (!args.includes('--keep')) rmSync(file, { force: true });
}
