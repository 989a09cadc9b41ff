// The page's store of loaded activations: loading into panes, bad files reported without losing
// anything, parameters recomputed without another FFT, cancel and resume, layout change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import type { ProfileEngine } from '../src/engine/types';
import { Workspace } from '../src/session/workspace';
import { batchChoice } from '../src/analysis/summary';
import { ActivationFileError, layerErrorMessage } from '../src/io/types';
import { layerErrorLine } from '../src/cli/run';

const dir = join(__dirname, 'fixtures', 'visualiser');
const file = (name: string) => ({ name, blob: new Blob([readFileSync(join(dir, name))]) });

/** Counts profile calls, so that a parameter change can be shown to need none. */
class CountingEngine extends CpuEngine {
  calls = 0;
  override profileLayer(...args: Parameters<CpuEngine['profileLayer']>) {
    this.calls++;
    return super.profileLayer(...args);
  }
}

describe('workspace', () => {
  it('shows one input only while every layer of the pane holds it; a smaller batch brings back the pooled batch', async () => {
    const engine = new CpuEngine();
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('a.npz')]);
    expect(batchChoice(ws.entries('A').map((e) => e.layer.shape))).toEqual({ inputs: 2, largest: 2 });
    ws.setInput('A', 1);
    expect(ws.state.panes.A.input).toBe(1);
    await ws.addFiles('A', [file('b.npz')]);
    expect(batchChoice(ws.entries('A').map((e) => e.layer.shape))).toEqual({ inputs: 1, largest: 2 });
    expect(ws.state.panes.A.input).toBeNull();
    ws.setInput('A', 0);
    expect(ws.state.panes.A.input).toBe(0);
    await ws.idle();
    expect(batchChoice([])).toEqual({ inputs: 0, largest: 0 });
  });

  it('loads A and B, matches nothing silently, and keeps A when B is bad', async () => {
    const engine = new CountingEngine();
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('a.npz'), file('a_only.npy')]);
    await ws.addFiles('B', [file('broken.npz'), file('b_nhwc.safetensors')]);
    await ws.idle();
    expect(ws.results('A').map((r) => r.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'a_only']);
    expect(ws.results('B').map((r) => r.name)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    expect(ws.results('B')[0].shape).toEqual([1, 8, 32, 32]);
    expect(ws.results('B')[0].layout).toBe('nhwc');
    expect(ws.state.panes.B.errors).toHaveLength(1);
    expect(ws.state.panes.B.errors[0]).toMatch(/^broken\.npz: /);
    expect(ws.state.panes.A.errors).toEqual([]);
    expect(engine.calls).toBe(11);

    const before = ws.results('A')[0].srop.slice();
    ws.setParams({ kappa: 0.6 });
    expect(engine.calls).toBe(11);
    const after = ws.results('A')[0].srop;
    expect(after.some((v, i) => !Number.isNaN(v) && v !== before[i])).toBe(true);
    expect(ws.results('A')[0].params.kappa).toBe(0.6);
    expect(() => ws.setParams({ kappa: 1.5 })).toThrow();
  });

  it('a layout change re-reads the file; cancel stops the queue and resume finishes it', async () => {
    const engine = new CpuEngine();
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('b.npz')]);
    await ws.idle();
    const fileId = ws.state.panes.A.files[0].id;
    await ws.setLayout('A', fileId, 'nhwc');
    ws.cancel();
    await ws.idle();
    const statuses = ws.entries('A').map((e) => e.status);
    expect(statuses).toContain('cancelled');
    expect(ws.entries('A')[0].layer.layout).toBe('nhwc');
    ws.resume();
    await ws.idle();
    expect(ws.entries('A').every((e) => e.status === 'done')).toBe(true);
    // [1, 8, 32, 32] read as NHWC: 32 channels of 8 x 32.
    expect(ws.results('A')[0].shape).toEqual([1, 32, 8, 32]);
  });

  it('a layer that fails in the engine is reported on its pane; the others finish', async () => {
    const inner = new CpuEngine();
    const failing: ProfileEngine = {
      backend: 'cpu',
      adapter: null,
      profileMaps: inner.profileMaps.bind(inner),
      powerSpectrum: inner.powerSpectrum.bind(inner),
      profileLayer: (layer, options) => (layer.name === 'conv3' ? Promise.reject(new Error('device lost')) : inner.profileLayer(layer, options)),
      released: false,
      destroy: () => undefined,
    };
    const ws = new Workspace(() => failing);
    await ws.addFiles('A', [file('b.npz')]);
    await ws.idle();
    expect(ws.results('A')).toHaveLength(4);
    expect(ws.state.panes.A.errors).toEqual(['b.npz: conv3: device lost']);
    expect(ws.state.progress.running).toBe(false);
  });

  it('a member that breaks mid-read is reported with the file and the member named once, as the command words it', async () => {
    const bad = join(__dirname, 'fixtures', 'readers', 'bad_deflate_data.npz');
    const engine = new CpuEngine();
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [{ name: 'bad_deflate_data.npz', blob: new Blob([readFileSync(bad)]) }]);
    await ws.idle();
    expect(ws.results('A').map((r) => r.name)).toEqual(['fine']);
    expect(ws.state.panes.A.errors).toHaveLength(1);
    const [message] = ws.state.panes.A.errors;
    expect(message).toMatch(/^bad_deflate_data\.npz: member cut\.npy: the compressed data is corrupt or cut short \(.+\)$/);
    expect(message.split('bad_deflate_data.npz').length - 1, 'the file is named once').toBe(1);
    // The line the command prints for the same layer: one formatter for both.
    const layer = ws.entries('A').find((e) => e.status === 'error')!.layer;
    expect(ws.entries('A').find((e) => e.status === 'error')!.error).toBe(message);
    expect(layerErrorLine(layer, await layer.readMaps(0, layer.shape[0] * layer.shape[1]).catch((e: unknown) => e))).toBe(`srop: ${message}\n`);
  });

  it('an error not from a reader is put under the layer, without repeating the file or the layer', () => {
    const layer = { file: 'a.npz', name: 'conv1' };
    expect(layerErrorMessage(layer, new Error('device lost'))).toBe('a.npz: conv1: device lost');
    expect(layerErrorMessage(layer, new Error('a.npz: conv1: device lost'))).toBe('a.npz: conv1: device lost');
    expect(layerErrorMessage(layer, new Error('a.npz: out of memory\n  while reading'))).toBe('a.npz: conv1: out of memory while reading');
    expect(layerErrorMessage(layer, new ActivationFileError('a.npz', 'bad dtype', 'member conv1.npy'))).toBe('a.npz: member conv1.npy: bad dtype');
    expect(layerErrorMessage(layer, new ActivationFileError('a.npz', 'bad dtype'))).toBe('a.npz: conv1: bad dtype');
  });

  it('a layer interrupted by the engine being released is queued again and finishes on the next engine', async () => {
    // The first engine is released (device lost) while conv2 runs; its owner then holds the
    // released engine until the new one is ready, and calls recomputeAll.
    const first = new ReleasableEngine('conv2');
    const second = new CountingEngine();
    let current: ProfileEngine = first;
    const ws = new Workspace(() => current);
    await ws.addFiles('A', [file('b.npz')]);
    await first.reached;
    first.release();
    await ws.idle();
    // Nothing failed, nothing ran on the released engine after the loss, and the queue waits.
    expect(ws.state.panes.A.errors).toEqual([]);
    expect(ws.entries('A').map((e) => e.status)).toEqual(['done', 'queued', 'queued', 'queued', 'queued']);
    expect(first.callsAfterRelease).toBe(0);
    current = second;
    ws.recomputeAll();
    await ws.idle();
    expect(ws.entries('A').every((e) => e.status === 'done')).toBe(true);
    expect(ws.state.panes.A.errors).toEqual([]);
    expect(second.calls).toBe(5);
  });

  it('a switch of engine during a layer (the old one still usable) re-queues it on the new engine', async () => {
    const first = new ReleasableEngine('conv3');
    const second = new CountingEngine();
    let current: ProfileEngine = first;
    const ws = new Workspace(() => current);
    await ws.addFiles('A', [file('b.npz')]);
    await first.reached;
    current = second;
    first.fail(new Error('GPU engine: used after destroy()'));
    await ws.idle();
    expect(ws.state.panes.A.errors).toEqual([]);
    expect(ws.entries('A').every((e) => e.status === 'done')).toBe(true);
    // conv3 to conv5 ran on the new engine.
    expect(second.calls).toBe(3);
  });

  it('recomputeAll after an engine change retries failed layers too', async () => {
    const inner = new CpuEngine();
    let failConv3 = true;
    const engine: ProfileEngine = {
      backend: 'cpu',
      adapter: null,
      released: false,
      profileMaps: inner.profileMaps.bind(inner),
      powerSpectrum: inner.powerSpectrum.bind(inner),
      profileLayer: (layer, options) => (failConv3 && layer.name === 'conv3' ? Promise.reject(new Error('out of memory')) : inner.profileLayer(layer, options)),
      destroy: () => undefined,
    };
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('b.npz')]);
    await ws.idle();
    expect(ws.state.panes.A.errors).toEqual(['b.npz: conv3: out of memory']);
    failConv3 = false;
    ws.recomputeAll();
    await ws.idle();
    expect(ws.entries('A').every((e) => e.status === 'done')).toBe(true);
    expect(ws.state.panes.A.errors).toEqual([]);
  });

  it('resume retries failed layers as well as cancelled ones; a layer that fails again reports once', async () => {
    const inner = new CpuEngine();
    const failures = new Map([['conv2', 1], ['conv4', Infinity]]);
    const engine: ProfileEngine = {
      backend: 'cpu',
      adapter: null,
      released: false,
      profileMaps: inner.profileMaps.bind(inner),
      powerSpectrum: inner.powerSpectrum.bind(inner),
      profileLayer: (layer, options) => {
        const left = failures.get(layer.name) ?? 0;
        if (left > 0) {
          failures.set(layer.name, left - 1);
          return Promise.reject(new Error('bad slice'));
        }
        return inner.profileLayer(layer, options);
      },
      destroy: () => undefined,
    };
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('b.npz')]);
    await ws.idle();
    expect(ws.stalled()).toEqual({ cancelled: 0, failed: 2 });
    ws.resume();
    await ws.idle();
    expect(ws.entries('A').map((e) => e.status)).toEqual(['done', 'done', 'done', 'error', 'done']);
    expect(ws.state.panes.A.errors).toEqual(['b.npz: conv4: bad slice']);
    expect(ws.stalled()).toEqual({ cancelled: 0, failed: 1 });
  });
});

/**
 * A CPU engine that stops on one layer until told to finish it, fail it, or be released (as a
 * device loss does: the layer's promise rejects and the engine reports itself released).
 */
class ReleasableEngine extends CpuEngine {
  override released = false;
  callsAfterRelease = 0;
  reached: Promise<void>;
  private arrive!: () => void;
  private reject: ((error: Error) => void) | null = null;

  constructor(private readonly stopAt: string) {
    super();
    this.reached = new Promise((resolve) => (this.arrive = resolve));
  }

  override profileLayer(...args: Parameters<CpuEngine['profileLayer']>) {
    if (this.released) this.callsAfterRelease++;
    if (args[0].name !== this.stopAt) return super.profileLayer(...args);
    return new Promise<Awaited<ReturnType<CpuEngine['profileLayer']>>>((_, reject) => {
      this.reject = reject;
      this.arrive();
    });
  }

  release(): void {
    this.released = true;
    this.fail(new Error('GPU engine: the GPU device was lost (simulated)'));
  }

  fail(error: Error): void {
    this.reject?.(error);
  }
}

/**
 * The CPU engine's contract with overlapsLayers (as the pool has it), each layer held until the
 * test lets it go: records when each layer's call starts and whether its signal was aborted.
 */
class OverlappingEngine extends CpuEngine {
  readonly overlapsLayers = true;
  started: string[] = [];
  aborted: string[] = [];
  private gates = new Map<string, () => void>();
  override async profileLayer(...[layer, options]: Parameters<CpuEngine['profileLayer']>) {
    this.started.push(layer.name);
    options?.signal?.addEventListener('abort', () => this.aborted.push(layer.name), { once: true });
    await new Promise<void>((resolve) => this.gates.set(layer.name, resolve));
    options?.signal?.throwIfAborted();
    return super.profileLayer(layer, options);
  }
  release(name: string): void {
    this.gates.get(name)?.();
  }
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

describe('workspace: the next layer started ahead on an engine that overlaps layers', () => {
  it('starts the next queued layer while one runs; the results are those of one layer at a time, in order', async () => {
    const engine = new OverlappingEngine();
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('a.npz')]);
    await until(() => engine.started.length === 2);
    expect(engine.started).toEqual(['conv1', 'conv2']); // conv2 under way while conv1 runs
    expect(ws.entries('A').map((e) => e.status).slice(0, 3)).toEqual(['running', 'queued', 'queued']);
    for (const name of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']) {
      await until(() => engine.started.includes(name));
      engine.release(name);
    }
    await ws.idle();
    expect(engine.aborted).toEqual([]);
    expect(engine.started).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    const one = new CpuEngine();
    const single = new Workspace(() => one);
    await single.addFiles('A', [file('a.npz')]);
    await single.idle();
    expect(ws.results('A').map((r) => [r.name, Array.from(r.srop)])).toEqual(single.results('A').map((r) => [r.name, Array.from(r.srop)]));
  });

  it('cancel stops the layer started ahead too; a removed file\'s layer started ahead is stopped', async () => {
    const engine = new OverlappingEngine();
    const ws = new Workspace(() => engine);
    await ws.addFiles('A', [file('a.npz')]);
    await until(() => engine.started.length === 2);
    ws.cancel();
    expect(engine.aborted).toEqual(['conv1', 'conv2']);
    engine.release('conv1');
    engine.release('conv2');
    await ws.idle();
    expect(ws.entries('A').every((e) => e.status === 'cancelled')).toBe(true);

    const other = new OverlappingEngine();
    const ws2 = new Workspace(() => other);
    await ws2.addFiles('A', [file('a_only.npy'), file('a.npz')]);
    await until(() => other.started.length === 2);
    expect(other.started).toEqual(['a_only', 'conv1']);
    const npz = ws2.state.panes.A.files[1];
    ws2.removeFile('A', npz.id);
    expect(other.aborted).toEqual(['conv1']);
    other.release('a_only');
    await ws2.idle();
    expect(ws2.results('A').map((r) => r.name)).toEqual(['a_only']);
  });
});
