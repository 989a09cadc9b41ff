#!/usr/bin/env node
// Input sets through a live model in the page (issue 13): a set of images picked for A in the
// built app (test build, CPU SROP engine, WASM provider) in Chromium, timed from the pick until
// every layer of the set is done; images per second, and the page's peak memory:
//
// - peak RSS: the resident memory of the browser's renderer processes (the page's holds its
//   JavaScript heap, the model runtime's worker and its WASM memory, and the decoded images),
//   summed and sampled every 100 ms while the set runs, against the same just before the pick;
// - peak JS heap: the page's main-thread heap (performance.memory), sampled every 100 ms;
// - all maps: what the chosen feature maps of the whole set would take as float32, if they were held
//   at once (the page does not: it profiles them batch by batch).
//
//   node bench/input_sets.mjs [--sets demo:1000,resnet18:100]     (after npm run build:e2e)
//
// `npm run bench` runs it as the row `sets`. The images are public/samples' digits, cycled and
// named img0000.png, ... (a ResNet-18-sized model resizes them to 224 x 224).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The ResNet-18-sized model (tools/make_resnet18.py, with python3-torch), or null when it cannot be made. */
export function resnet18() {
  const file = join(root, 'tmp', 'resnet18.onnx');
  if (!existsSync(file)) {
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    spawnSync(python, [join(root, 'tools', 'make_resnet18.py'), file], { stdio: 'ignore' });
  }
  return existsSync(file) ? file : null;
}

/** The pid of the browser process started with `tag` among its switches. */
function browserPid(tag) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(tag) && !cmd.includes('--type=')) return Number(entry);
    } catch {}
  }
  throw new Error('the browser process was not found in /proc');
}

/** VmHWM and VmRSS (bytes) of the browser's renderer processes (its descendants), by pid. */
function rendererMemory(browserPid) {
  const out = new Map();
  const children = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const seen = new Set();
  const walk = (pid) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    for (const child of children(pid)) walk(child);
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) return;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0) * 1024;
      out.set(pid, { hwm: kb('VmHWM'), rss: kb('VmRSS') });
    } catch {}
  };
  walk(browserPid);
  return out;
}

/**
 * One set through one model: `modelFile` picked, then `count` images for A. Resolves with the
 * seconds, images per second, the peak RSS of the page's renderer and its peak JS heap (MiB), the
 * layers and what all their maps would take.
 */
export async function measureSet({ modelFile, count, label }) {
  const { chromium } = await import('playwright-core');
  const samples = readdirSync(join(root, 'public', 'samples')).filter((f) => f.endsWith('.png')).sort();
  const buffers = samples.map((f) => readFileSync(join(root, 'public', 'samples', f)));
  const images = Array.from({ length: count }, (_, i) => ({ name: `img${String(i).padStart(4, '0')}.png`, mimeType: 'image/png', buffer: buffers[i % buffers.length] }));
  const port = 4300 + Math.floor(Math.random() * 600);
  const server = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
  try {
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    const tag = `--srop-bench-${process.pid}-${port}`;
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-precise-memory-info', '--disable-background-networking', '--no-first-run', tag] });
    const pid = browserPid(tag);
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(0);
      await page.goto(`http://127.0.0.1:${port}/?nodemo&backend=cpu`);
      await page.getByLabel('Model (ONNX)').setInputFiles(modelFile);
      await page.waitForFunction(() => window.sropModel?.state.status === 'ready' && window.sropModel.state.model, null, { polling: 200 });
      const facts = await page.evaluate(() => {
        const s = window.sropModel.state;
        const chosen = s.candidates.filter((c) => s.selected.includes(c.tensor));
        return { layers: chosen.length, bytesPerInput: chosen.reduce((sum, c) => sum + c.shape[1] * c.shape[2] * c.shape[3] * 4, 0), provider: s.provider };
      });
      const rss = () => [...rendererMemory(pid).values()].reduce((sum, m) => sum + m.rss, 0);
      const baseline = rss();
      let peakRss = baseline;
      const t0 = Date.now();
      await page.getByLabel('Input A images').setInputFiles(images);
      let heap = 0;
      let batch = null;
      for (;;) {
        const s = await page.evaluate(() => {
          const ws = window.sropWorkspace;
          const entries = ws.entries('A');
          const live = ws.state.panes.A.files.find((f) => f.stream);
          return {
            heap: performance.memory?.usedJSHeapSize ?? 0,
            done: entries.filter((e) => e.status === 'done' && e.result?.shape[0] > 1).length,
            total: entries.length,
            batch: live?.stream.batch ?? null,
            errors: [...ws.state.panes.A.errors, ...(window.sropModel.state.error ? [window.sropModel.state.error] : [])],
          };
        });
        heap = Math.max(heap, s.heap);
        peakRss = Math.max(peakRss, rss());
        batch = s.batch ?? batch;
        if (s.errors.length) throw new Error(s.errors.join('; '));
        if (s.total > 0 && s.done === s.total) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (Date.now() - t0) / 1000;
      const MiB = (b) => Math.round(b / 2 ** 20);
      return { label, count, seconds, imagesPerSecond: count / seconds, batch, layers: facts.layers, peakRssMiB: MiB(peakRss), startRssMiB: MiB(baseline), peakHeapMiB: MiB(heap), allMapsMiB: MiB(facts.bytesPerInput * count) };
    } finally {
      await browser.close();
    }
  } finally {
    try {
      process.kill(-server.pid);
    } catch {}
  }
}

/** The sets the bench measures: name:count pairs (demo: the demo's final checkpoint; resnet18: the ResNet-18-sized model). */
export async function measureSets(spec = 'demo:1000,resnet18:100') {
  const out = [];
  for (const part of spec.split(',')) {
    const [name, n] = part.split(':');
    const count = Number(n);
    let modelFile;
    if (name === 'demo') {
      const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
      modelFile = join(root, 'public', 'demo', manifest.final);
    } else if (name === 'resnet18') modelFile = resnet18();
    if (!modelFile) {
      out.push({ label: name, count, skipped: 'tmp/resnet18.onnx is missing and python3-torch could not make it' });
      continue;
    }
    try {
      out.push(await measureSet({ modelFile, count, label: name === 'demo' ? 'demo CNN (28 x 28)' : 'ResNet-18-sized (224 x 224)' }));
    } catch (error) {
      out.push({ label: name, count, failed: String(error?.message ?? error).split('\n')[0] });
    }
  }
  return out;
}

export function setLine(r) {
  if (r.skipped) return `input set, ${r.label}, ${r.count} images: skipped (${r.skipped})`;
  if (r.failed) return `input set, ${r.label}, ${r.count} images: FAILED: ${r.failed}`;
  return `input set, ${r.label}, ${r.count} images through the page (WASM provider, CPU SROP engine, ${r.layers} feature maps, batches of ${r.batch}): ${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(1)} images/s; renderer RSS peak ${r.peakRssMiB} MiB (${r.startRssMiB} MiB before the set), peak JS heap ${r.peakHeapMiB} MiB; all the set's maps at once would be ${r.allMapsMiB} MiB`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--sets');
  if (!existsSync(join(root, 'dist-e2e', 'index.html'))) spawnSync('npx', ['vite', 'build', '--mode', 'e2e'], { cwd: root, stdio: 'inherit' });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  for (const r of await measureSets(i >= 0 ? args[i + 1] : undefined)) console.log(setLine(r));
}
