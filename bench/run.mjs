#!/usr/bin/env node
// `npm run bench`: time per image of the SROP engines on a VGG16-shaped and a ResNet-50-shaped
// workload (ReLU-like random activations of one 224x224 image), against a vectorised numpy
// baseline. Engine only: the data is made before the clock starts; one warm-up per shape. Then
// the whole-process goal: `srop --backend cpu` on the first workload written to a file, against a
// numpy process doing the same job on the same file. A row that fails (Dawn crash, no Chromium)
// is printed as failed, with its reason, and the rest goes on.
//
// Then the page: that file profiled in the built app, on the page's thread and on the pool, with
// its longest main-thread task.
//
//   npm run bench [-- --workloads vgg16,resnet50 --repeat 2 --skip chromium-gpu,...,run]
//                 [--page-baseline DIR]   (an earlier checkout with its app built: the page row "before")
//   (the row `sets`: sets of images through a live model in the page, bench/input_sets.mjs;
//   `--sets demo:1000,resnet18:100` chooses them)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const workloads = option('workloads', 'vgg16,resnet50').split(',');
const repeat = Number(option('repeat', '2'));
const skip = new Set(option('skip', '').split(',').filter(Boolean));
// A checkout of an earlier version with its app built (dist/): the page row measures it too, as "before".
const pageBaseline = option('page-baseline', null);

function run(command, argv, env = {}) {
  const r = spawnSync(command, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${command} could not start (${r.error.message})`);
  if (r.status !== 0) {
    const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    const last = (r.stderr ?? '').trim().split('\n').filter(Boolean).pop();
    throw new Error(`${command} ${argv.map((a) => a.replace(root + '/', '')).join(' ')}: ${how}${last ? ` (${last.slice(0, 200)})` : ''}`);
  }
  return r.stdout;
}
/** One cell of the table: its result, or a failed cell with the reason, never a throw. */
async function cell(measure) {
  try {
    return await measure();
  } catch (error) {
    return { failed: String(error?.message ?? error).split('\n')[0] };
  }
}
const lastJson = (text) => JSON.parse(text.trim().split('\n').filter((l) => l.startsWith('{')).pop());

function ensureBuilt() {
  if (!existsSync(join(root, 'dist-cli', 'bench.mjs')) || !existsSync(join(root, 'dist-cli', 'srop.mjs'))) run('npm', ['run', 'build:cli']);
  if (!existsSync(join(root, 'dist-e2e', 'e2e', 'harness', 'index.html'))) run('npx', ['vite', 'build', '--mode', 'e2e']);
}

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function numpy(workload) {
  if (!hasNumpy) return { skipped: 'numpy is missing (python3 -c "import numpy" failed)' };
  const t0 = performance.now();
  const out = lastJson(run('python3', ['bench/numpy_baseline.py', '--workload', workload, '--repeat', String(repeat)]));
  return { seconds: out.seconds_per_image, processSeconds: (performance.now() - t0) / 1000, note: `numpy ${out.numpy}` };
}

function node(workload, backend, threads = null) {
  // The GPU run takes any adapter, SwiftShader included (nodeAdapter tries it when there is no other).
  // The pool: the page's default size (cores - 1, at least 1) unless `threads` is given.
  return lastJson(run(process.execPath, [join(root, 'dist-cli', 'bench.mjs'), workload, backend, String(repeat), ...(threads ? [String(threads)] : [])]));
}

/**
 * Runs `use(page)` on a page of the built app (served by `vite preview`) in Chromium, at `path`.
 * Returns { skipped } when there is no Chromium.
 */
async function withChromium(path, use, cwd = root) {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return { skipped: `no Chromium at ${executablePath}` };
  const port = 4400 + Math.floor(Math.random() * 500);
  const server = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd, stdio: 'ignore', detached: true });
  try {
    const origin = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${origin}/`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    const browser = await chromium.launch({
      executablePath,
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(0);
      return await use(page, `${origin}${path}`);
    } finally {
      await browser.close();
    }
  } finally {
    try {
      process.kill(-server.pid);
    } catch {}
  }
}

async function chromium(workloadShapes, backend, extra = null) {
  const r = await withChromium('/e2e/harness/', async (page, url) => {
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    if (extra) return await page.evaluate(([name, ...a]) => window.sropHarness[name](...a), extra);
    const results = {};
    for (const [workload, shapes] of Object.entries(workloadShapes)) {
      try {
        const r = await page.evaluate(([s, b, n]) => window.sropHarness.benchmark(s, b, n), [shapes, backend, repeat]);
        results[workload] = { seconds: r.seconds, adapter: r.adapter?.name ?? null, isFallback: r.adapter?.isFallback ?? null, threads: r.threads };
      } catch (error) {
        results[workload] = { skipped: String(error.message ?? error).split('\n')[0] };
      }
    }
    return results;
  });
  if (r.skipped && !extra) return Object.fromEntries(Object.keys(workloadShapes).map((w) => [w, { skipped: r.skipped }]));
  return r;
}

/**
 * The page itself (the built app, CPU engine): a set of activations loaded into pane A, timed from
 * the file input's change to every layer done, with the longest main-thread task meanwhile (a
 * long-task observer, which sees tasks of 50 ms and more) and the longest gap between two frames.
 */
async function pageProfile(file, layers, threads, cwd = root) {
  return withChromium(`/?nodemo&backend=cpu${threads === null ? '' : `&threads=${threads}`}`, async (page, url) => {
    await page.addInitScript(() => {
      const w = window;
      w.benchLongTasks = [];
      // Tasks from the file input's change on (the app's own start before it is not the profiling).
      new PerformanceObserver((list) => w.benchLongTasks.push(...list.getEntries().filter((e) => w.benchStart !== undefined && e.startTime + e.duration >= w.benchStart).map((e) => e.duration))).observe({ type: 'longtask' });
      document.addEventListener('change', () => (w.benchStart ??= performance.now()), true);
    });
    await page.goto(url);
    await page.getByTestId('engine-backend').waitFor();
    await page.evaluate(() => {
      const w = window;
      w.benchFrameGap = 0;
      let last = performance.now();
      const tick = (t) => {
        if (w.benchStart !== undefined && w.benchEnd === undefined) w.benchFrameGap = Math.max(w.benchFrameGap, t - last);
        last = t;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.getByLabel('Input A activations').setInputFiles(file);
    // Waits on the workspace's own updates (no polling that would load the page's thread).
    await page.evaluate(
      (n) =>
        new Promise((resolve) => {
          const ws = window.sropWorkspace;
          const check = () => {
            const entries = ws.entries('A');
            if (ws.state.panes.A.errors.length) return resolve();
            if (entries.length === n && entries.every((e) => e.status === 'done') && !ws.state.progress.running) {
              window.benchEnd ??= performance.now();
              resolve();
            }
          };
          ws.subscribe(check);
          check();
        }),
      layers,
    );
    return page.evaluate(() => {
      const w = window;
      const errors = w.sropWorkspace.state.panes.A.errors;
      if (errors.length) throw new Error(errors.join('; '));
      const title = document.querySelector('[data-testid=engine-backend]')?.getAttribute('title') ?? '';
      return { seconds: (w.benchEnd - w.benchStart) / 1000, longestTaskMs: Math.max(0, ...w.benchLongTasks), longTasks: w.benchLongTasks.length, longestFrameGapMs: w.benchFrameGap, engine: title };
    });
  }, cwd);
}

ensureBuilt();
const allShapes = (await import(join(root, 'bench', 'workloads.json'), { with: { type: 'json' } })).default;
const shapes = Object.fromEntries(workloads.map((w) => [w, allShapes[w]]));
const rows = [];
const add = (engine, where, results) => rows.push({ engine, where, results });

const perWorkload = async (measure) => {
  const results = {};
  for (const w of workloads) results[w] = await cell(() => measure(w));
  return results;
};
/** Chromium runs every workload in one page: a launch failure fails the whole row. */
const chromiumRow = async (backend) => {
  const r = await cell(() => chromium(shapes, backend));
  return r.failed ? Object.fromEntries(workloads.map((w) => [w, r])) : r;
};
const numpyResults = await perWorkload(numpy);
add('numpy rfft2 + bincount (baseline)', 'python3', numpyResults);
if (!skip.has('node-cpu')) add('CPU engine (float64), one thread', 'Node', await perWorkload((w) => node(w, 'cpu')));
if (!skip.has('node-pool')) {
  add('CPU engine (float64), pool', 'Node', await perWorkload((w) => node(w, 'pool')));
  // Every core on workers (the engine alone leaves this thread idle): how the engine scales.
  if (availableParallelism() > 1) add('CPU engine (float64), pool', 'Node', await perWorkload((w) => node(w, 'pool', availableParallelism())));
}
if (!skip.has('node-gpu')) add('GPU engine (WGSL)', 'Node, Dawn', await perWorkload((w) => node(w, 'gpu')));
if (!skip.has('chromium-cpu')) add('CPU engine (float64), one thread', 'Chromium', await chromiumRow('cpu'));
if (!skip.has('chromium-pool')) add('CPU engine (float64), pool', 'Chromium', await chromiumRow('pool'));
if (!skip.has('chromium-gpu')) add('GPU engine (WGSL)', 'Chromium', await chromiumRow('gpu'));

const fmt = (r, base) => {
  if (r?.failed) return 'FAILED (reason below)'.padEnd(26);
  if (!r || r.skipped) return `skipped: ${r?.skipped ?? 'not run'}`.padEnd(26);
  const ratio = base?.seconds && !base.failed ? `${(r.seconds / base.seconds).toFixed(2)}x` : '';
  return `${(r.seconds * 1000).toFixed(1).padStart(9)} ms ${ratio.padStart(8)}`.padEnd(26);
};
console.log('\nSROP engines, time per image (engine only; ratio = time / numpy time), best of', repeat);
console.log(['engine'.padEnd(36), 'where'.padEnd(12), ...workloads.map((w) => w.padEnd(26)), 'adapter'].join(' '));
for (const { engine, where, results } of rows) {
  const threads = Object.values(results).map((r) => r.threads).find((t) => t > 0);
  const adapter = (Object.values(results).map((r) => r.adapter ?? r.note).find(Boolean) ?? '') + (threads ? `${threads} worker${threads === 1 ? '' : 's'}` : '');
  const soft = Object.values(results).some((r) => r.isFallback) ? ' (software, fallback adapter)' : '';
  console.log([engine.padEnd(36), where.padEnd(12), ...workloads.map((w) => fmt(results[w], numpyResults[w])), adapter + soft].join(' '));
}
for (const { engine, where, results } of rows) {
  for (const w of workloads) if (results[w]?.failed) console.log(`failed: ${engine}, ${where}, ${w}: ${results[w].failed}`);
}
// The host side of the GPU engine: time the JS thread spent inside WebGPU calls per image (the
// best run), which no faster GPU shortens. On a real GPU it is a floor under the time per image.
const gpuNode = rows.find((r) => r.engine.startsWith('GPU') && r.where === 'Node, Dawn')?.results;
for (const w of workloads) {
  const calls = gpuNode?.[w]?.webgpuCalls;
  if (!calls) continue;
  const top = Object.entries(calls.byMethod).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`).join(', ');
  console.log(`GPU engine, Node, ${w}: ${calls.totalMs.toFixed(1)} ms per image inside WebGPU calls on the JS thread (${top}); a floor for a real GPU`);
}

// The whole-process goal (at most 0.8x numpy) and the page's: the first workload written to an
// .npz file (untimed) that both use.
const w0 = workloads[0];
const workDir = mkdtempSync(join(tmpdir(), 'srop-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
const workFile = join(workDir, `${w0}.npz`);
const haveFile = hasNumpy && !(skip.has('process') && skip.has('page')) ? cell(() => (run('python3', ['bench/numpy_baseline.py', '--workload', w0, '--write', workFile]), true)) : null;

// Whole processes on that file, best of ${repeat}, taken in turn (so that a busy moment of the
// machine does not fall on one of them alone): `node bin/srop.mjs --backend cpu` (its default:
// cores - 2 worker threads beside its own thread, none on 2 cores), the same with every core
// computing (--threads cores - 1) and with --threads 0 (the engine on the command's own thread), `npx srop`
// (npm's start on top) and the numpy process (start, import, np.load, tables, rfft2 + bincount, CSV).
if (!skip.has('process')) {
  const result = await cell(async () => {
    if (!hasNumpy) return { skipped: 'numpy is missing' };
    const made = await haveFile;
    if (made?.failed) throw new Error(made.failed);
    const csv = (name) => join(workDir, `${name}.csv`);
    const commands = {
      srop: [process.execPath, [join(root, 'bin', 'srop.mjs'), '--backend', 'cpu', '--out', csv('srop'), workFile]],
      sropAllCores: [process.execPath, [join(root, 'bin', 'srop.mjs'), '--backend', 'cpu', '--threads', String(Math.max(1, availableParallelism() - 1)), '--out', csv('all'), workFile]],
      sropOneThread: [process.execPath, [join(root, 'bin', 'srop.mjs'), '--backend', 'cpu', '--threads', '0', '--out', csv('one'), workFile]],
      npx: ['npx', ['srop', '--backend', 'cpu', '--out', csv('npx'), workFile]],
      py: ['python3', ['bench/numpy_baseline.py', '--file', workFile, '--out', csv('numpy')]],
    };
    const best = Object.fromEntries(Object.keys(commands).map((k) => [k, Infinity]));
    for (let r = 0; r < repeat; r++) {
      for (const [name, [command, argv]] of Object.entries(commands)) {
        const t0 = performance.now();
        run(command, argv);
        best[name] = Math.min(best[name], (performance.now() - t0) / 1000);
      }
    }
    // Same job on both sides: the same SROPs (numpy's float64 rfft2 against the CPU engine), and
    // the same output whatever the number of threads.
    const values = (path, column) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[column]);
    const a = values(csv('srop'), 5);
    const b = values(csv('numpy'), 2);
    let worst = 0;
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] && b[i]) worst = Math.max(worst, Math.abs(Number(a[i]) - Number(b[i])));
    const sameAcrossThreads = readFileSync(csv('srop'), 'utf8') === readFileSync(csv('one'), 'utf8') && readFileSync(csv('all'), 'utf8') === readFileSync(csv('one'), 'utf8');
    return { ...best, maps: a.length, same: a.length === b.length, worst, sameAcrossThreads };
  });
  if (result.failed || result.skipped) console.log(`whole process, ${w0}: ${result.failed ? `FAILED: ${result.failed}` : `skipped: ${result.skipped}`}`);
  else {
    const ratio = (s) => `${(s / result.py).toFixed(2)}x numpy`;
    const workers = Math.max(0, availableParallelism() - 2);
    const allCores = Math.max(1, availableParallelism() - 1);
    const onThreads = (n) => (n === 0 ? 'its own thread alone' : `${n} worker thread${n === 1 ? '' : 's'} and its own`);
    console.log(`\nWhole process, ${w0} from an .npz file, best of ${repeat} (${result.maps} maps${result.same ? '' : ', ROW COUNTS DIFFER'}; largest SROP difference to numpy ${result.worst.toExponential(1)}; output with and without worker threads ${result.sameAcrossThreads ? 'identical' : 'DIFFERENT'}):`);
    console.log(`  numpy process                                     ${result.py.toFixed(2)} s`);
    console.log(`  node bin/srop.mjs --backend cpu (default: ${onThreads(workers)})  ${result.srop.toFixed(2)} s  ${ratio(result.srop)}, goal at most 0.8x ${result.srop / result.py <= 0.8 ? 'met' : 'NOT met'}`);
    console.log(`  node bin/srop.mjs --backend cpu --threads ${allCores} (${onThreads(allCores)})  ${result.sropAllCores.toFixed(2)} s  ${ratio(result.sropAllCores)}`);
    console.log(`  node bin/srop.mjs --backend cpu --threads 0       ${result.sropOneThread.toFixed(2)} s  ${ratio(result.sropOneThread)}`);
    console.log(`  npx srop --backend cpu                            ${result.npx.toFixed(2)} s  ${ratio(result.npx)} (npm's start: ${(result.npx - result.srop).toFixed(2)} s)`);
  }
}

// The page: the VGG16 file into pane A of the built app with the CPU engine, on the page's own
// thread (?threads=0, how the page ran it before the pool) and on the pool (its default size).
if (!skip.has('page')) {
  const results = [];
  const runs = [[0, root], [null, root], ...(pageBaseline ? [[null, pageBaseline]] : [])];
  for (const [threads, cwd] of runs) {
    results.push(
      await cell(async () => {
        if (!hasNumpy) return { skipped: 'numpy is missing' };
        const made = await haveFile;
        if (made?.failed) throw new Error(made.failed);
        let best = null;
        for (let r = 0; r < repeat; r++) {
          const one = await pageProfile(workFile, allShapes[w0].length, threads, cwd);
          if (one.skipped) return one;
          if (!best || one.seconds < best.seconds) best = { ...one, longestTaskMs: Math.max(one.longestTaskMs, best?.longestTaskMs ?? 0), longestFrameGapMs: Math.max(one.longestFrameGapMs, best?.longestFrameGapMs ?? 0) };
          else best = { ...best, longestTaskMs: Math.max(one.longestTaskMs, best.longestTaskMs), longestFrameGapMs: Math.max(one.longestFrameGapMs, best.longestFrameGapMs) };
        }
        return best;
      }),
    );
  }
  console.log(`\nThe page (built app, Chromium, CPU engine): ${w0}'s .npz file into pane A, from the file input to every layer done, best of ${repeat}; longest main-thread task (long-task observer: 50 ms and more) and longest gap between frames over all runs:`);
  for (const [i, r] of results.entries()) {
    const label = i === 0 ? 'on the page\'s own thread (?threads=0)' : i === 1 ? 'on the pool (default size)' : `before: ${pageBaseline}`;
    if (r.failed || r.skipped) {
      console.log(`  ${label}: ${r.failed ? `FAILED: ${r.failed}` : `skipped: ${r.skipped}`}`);
      continue;
    }
    const before = results[2]?.seconds;
    const speedUp = i === 1 && results[0].seconds ? `, ${(results[0].seconds / r.seconds).toFixed(2)}x the page's own thread${before ? `, ${(before / r.seconds).toFixed(2)}x before, goal at least 1.6x ${before / r.seconds >= 1.6 ? 'met' : 'NOT met'}` : ''}` : '';
    const task = r.longTasks ? `${r.longestTaskMs.toFixed(0)} ms (${r.longTasks} task${r.longTasks === 1 ? '' : 's'} of 50 ms or more)` : 'none of 50 ms or more';
    const goal = i === 1 ? `; goal no task over 50 ms ${r.longestTaskMs > 50 ? 'NOT met' : 'met'}` : '';
    console.log(`  ${label.padEnd(40)} ${r.seconds.toFixed(2)} s${speedUp}; longest task ${task}${goal}; longest frame gap ${r.longestFrameGapMs.toFixed(0)} ms [${r.engine}]`);
  }
}

// What `auto` picks here, and whether it is the faster engine measured in Node.
const nodeCpuRows = rows.filter((r) => r.engine.startsWith('CPU') && r.where === 'Node');
const nodeCpu = (nodeCpuRows.find((r) => r.engine.endsWith('pool')) ?? nodeCpuRows[0])?.results;
const nodeGpu = rows.find((r) => r.engine.startsWith('GPU') && r.where === 'Node, Dawn')?.results;
if (nodeCpu && nodeGpu && nodeCpu[workloads[0]]?.seconds) {
  const g = nodeGpu[workloads[0]];
  const c = nodeCpu[workloads[0]];
  const autoPicks = !g || g.skipped || g.failed || g.isFallback ? 'cpu' : 'gpu';
  const faster = g?.seconds && g.seconds < c.seconds ? 'gpu' : 'cpu';
  console.log(`auto picks the ${autoPicks.toUpperCase()} engine here; the faster one measured on ${workloads[0]} is the ${faster.toUpperCase()} engine${autoPicks === faster ? ' (auto is right)' : ' (auto is NOT the faster one here)'}.`);
}
// The visualiser's goal: a parameter change redraws within one animation frame for a VGG16-sized
// A and B (SROPs recomputed from profiles, chart data rebuilt; no FFT).
if (!skip.has('params')) {
  const r = await cell(() => chromium(null, 'cpu', ['parameterChange', allShapes.vgg16]));
  if (r.failed) console.log(`parameter change: FAILED: ${r.failed}`);
  else if (r.skipped) console.log('parameter change: skipped (no Chromium)');
  else console.log(`parameter change, VGG16-sized A and B (${2 * r.maps} maps), Chromium: ${r.milliseconds.toFixed(1)} ms (one frame at 60 Hz: 16.7 ms)`);
}

// Live models (issue 4): forward pass plus SROPs per image, in Chromium, for the demo model and a
// ResNet-18-sized one (random weights; tools/make_resnet18.py writes it, with python3-torch).
if (!skip.has('models')) {
  const { copyFileSync, mkdirSync, readFileSync: read } = await import('node:fs');
  const models = [];
  const demo = JSON.parse(read(join(root, 'public', 'demo', 'manifest.json'), 'utf8')).final;
  models.push({ name: `demo CNN (${demo})`, url: `/demo/${demo}`, providers: ['wasm', 'webgpu'] });
  let resnet = join(root, 'tmp', 'resnet18.onnx');
  if (!existsSync(resnet)) {
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    spawnSync(python, [join(root, 'tools', 'make_resnet18.py'), resnet], { stdio: 'ignore' });
  }
  if (existsSync(resnet)) {
    mkdirSync(join(root, 'dist-e2e', 'bench-models'), { recursive: true });
    copyFileSync(resnet, join(root, 'dist-e2e', 'bench-models', 'resnet18.onnx'));
    models.push({ name: 'ResNet-18 (random weights)', url: '/bench-models/resnet18.onnx', providers: ['wasm', 'webgpu'] });
  } else console.log('ResNet-18: skipped (tmp/resnet18.onnx is missing and python3-torch could not make it)');
  for (const m of models) {
    for (const provider of m.providers) {
      const r = await chromium(null, 'cpu', ['modelBenchmark', m.url, provider]).catch((e) => ({ skipped: String(e.message ?? e).split('\n')[0] }));
      if (r.skipped) {
        console.log(`${m.name}, ${provider}: skipped (${r.skipped})`);
        continue;
      }
      const adapter = r.adapter ? `${r.adapter.name}${r.adapter.isFallback ? ', software' : ''}` : 'no adapter';
      console.log(`${m.name}, ${provider} provider + ${r.engine.toUpperCase()} SROP engine, Chromium (adapter: ${adapter}): ${(r.seconds * 1000).toFixed(0)} ms per image (forward pass ${(r.forwardSeconds * 1000).toFixed(0)} ms, ${r.featureMaps} feature maps)`);
    }
  }
}

// Input sets (issue 13): 1,000 images through the demo model and 100 through the ResNet-18-sized
// one, in the page: images per second and the page's peak memory (bench/input_sets.mjs).
if (!skip.has('sets')) {
  const { measureSets, setLine } = await import('./input_sets.mjs');
  for (const r of await measureSets(option('sets', 'demo:1000,resnet18:100'))) console.log(setLine(r));
}

// `srop run` (issue 14): images per second of the whole pipeline (decode, preprocess, forward pass
// on onnxruntime-node, SROPs on the CPU engine, CSV out) for the demo model and a ResNet-18-sized
// one (torchvision's resnet18, weights=None), against the same pipeline in PyTorch + numpy
// (tools/torch_run_bench.py: PIL, torch forward with hooks, numpy rfft2 + ring sums), best of
// `repeat`, on the same PNG files. The command's rate is its own (its last stderr line: model
// loading left out, as the Python side builds its model outside the clock); its whole-process
// wall time is given too.
if (!skip.has('run')) {
  const torchPython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const hasTorch = spawnSync(torchPython, ['-c', 'import torch, torchvision, PIL'], { encoding: 'utf8' }).status === 0;
  if (!hasTorch) console.log(`srop run: skipped (${torchPython} cannot import torch, torchvision and PIL: the images, the ResNet-18 model and the PyTorch side need them)`);
  else {
    const { mkdirSync } = await import('node:fs');
    const dir = join(root, 'tmp', 'bench-run');
    mkdirSync(dir, { recursive: true });
    const tool = join(root, 'tools', 'torch_run_bench.py');
    const cases = [
      { name: 'demo CNN', key: 'demo', model: join(root, 'public', 'demo', JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8')).final), images: join(dir, 'demo'), make: ['--count', '60', '--size', '28', '--mode', 'L'] },
      { name: 'ResNet-18 (torchvision, weights=None)', key: 'resnet18', model: join(dir, 'resnet18.onnx'), images: join(dir, 'resnet18'), make: ['--count', '12', '--size', '224', '--mode', 'RGB'] },
    ];
    for (const c of cases) {
      const result = await cell(() => {
        if (!existsSync(c.images)) run(torchPython, [tool, '--make-images', c.images, ...c.make]);
        if (!existsSync(c.model)) run(torchPython, [join(root, 'tools', 'export_torchvision.py'), '--out', dir, 'resnet18']);
        let best = null;
        for (let r = 0; r < repeat; r++) {
          const t0 = performance.now();
          const p = spawnSync(process.execPath, [join(root, 'bin', 'srop.mjs'), 'run', '--model', c.model, '--backend', 'cpu', '--out', join(dir, `${c.key}.csv`), c.images], { cwd: root, encoding: 'utf8' });
          const wall = (performance.now() - t0) / 1000;
          if (p.status !== 0) throw new Error(`srop run: exit status ${p.status} (${(p.stderr ?? '').trim().split('\n').pop()})`);
          const m = /srop: (\d+)\/\d+ images in ([\d.]+) s \(([\d.]+) images\/s\)/.exec(p.stderr);
          if (!m) throw new Error('srop run printed no rate');
          const rate = Number(m[3]);
          if (!best || rate > best.rate) best = { images: Number(m[1]), rate, wall };
        }
        const py = lastJson(run(torchPython, [tool, '--model', c.key, '--images', c.images, '--repeat', String(repeat)]));
        return { ...best, py };
      });
      if (result.failed) console.log(`srop run, ${c.name}: FAILED: ${result.failed}`);
      else {
        const { images, rate, wall, py } = result;
        console.log(
          `srop run, ${c.name}, ${images} PNG images, best of ${repeat}: srop run --backend cpu ${rate.toFixed(1)} images/s (whole process ${wall.toFixed(1)} s with start and model loading); ` +
            `PyTorch ${py.torch} + numpy ${py.numpy} ${py.images_per_second.toFixed(1)} images/s (forward pass ${(100 * py.forward_seconds / py.seconds).toFixed(0)} % of its time): ` +
            `srop run at ${(rate / py.images_per_second).toFixed(2)}x PyTorch's rate`,
        );
      }
    }
  }
}
