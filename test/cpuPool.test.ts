// The CPU engine on a pool of worker threads (src/engine/cpuPool.ts, the command's dist-cli/cpuWorker.mjs)
// against the single-threaded CpuEngine: the same profiles bit for bit, on awkward sizes, whatever
// the number of workers and the size of the chunks; cancel, failed reads, failed workers.
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { CpuPool, PooledCpuEngine, type PoolReply, type PoolRequest, type PoolWorker } from '../src/engine/cpuPool';
import { handlePoolRequest } from '../src/engine/cpuWorkerCore';
import { EngineHost } from '../src/engine/host';
import type { RingProfiles } from '../src/engine/types';
import { ActivationFileError, type Layer } from '../src/io/types';
import { memoryLayer, syntheticMaps } from '../src/testing/syntheticMaps';
import { defaultThreads, nodePool, ownThreadWorker, startPoolEarly, workerThreads } from '../src/cli/nodePool';
import { write } from '../src/cli/run';
import { PassThrough } from 'node:stream';
import { openActivationFile } from '../src/io/open';
import { float32Npy } from '../src/testing/npyFile';

const root = join(import.meta.dirname, '..');
const single = new CpuEngine();
const pools: CpuPool[] = [];
function threads(n: number, ownThread = false): CpuPool {
  expect(existsSync(join(root, 'dist-cli', 'cpuWorker.mjs')), 'run `npm run build:cli` first').toBe(true);
  const pool = nodePool(n, ownThread);
  pools.push(pool);
  return pool;
}
afterAll(() => pools.forEach((p) => p.terminate()));

function layerOf(data: Float32Array, n: number, c: number, h: number, w: number, reads: [number, number][] = []): Layer {
  return memoryLayer(data, [n, c, h, w], reads);
}

/** Every number of two profiles, compared as bits (NaN and -0 included). */
function expectIdentical(got: RingProfiles, want: RingProfiles): void {
  expect([got.maps, got.rings, got.height, got.width]).toEqual([want.maps, want.rings, want.height, want.width]);
  for (const key of ['inDisc', 'outDisc', 'dc', 'sumSquares', 'nonFinite'] as const) {
    const a = new Uint8Array(got[key].buffer, got[key].byteOffset, got[key].byteLength);
    const b = new Uint8Array(want[key].buffer, want[key].byteOffset, want[key].byteLength);
    expect(Buffer.compare(a, b), `${key} differs`).toBe(0);
  }
}

// [N, C, H, W]: odd and even sides, primes, one row, one column, a single bin, large and tiny maps.
const SHAPES: [number, number, number, number][] = [
  [1, 7, 13, 11],
  [2, 5, 1, 9],
  [1, 6, 9, 1],
  [1, 3, 1, 1],
  [3, 4, 32, 30],
  [1, 11, 17, 64],
  [1, 2, 97, 89],
  [1, 40, 7, 7],
  [1, 5, 224, 224],
];

describe('pooled CPU engine (worker threads)', () => {
  it('gives the single-threaded profiles bit for bit, for 1, 2 and 3 workers and any chunk size', async () => {
    for (const workers of [1, 2, 3]) {
      const pool = threads(workers);
      for (const jobValues of [1, 700, 512 * 1024]) {
        const engine = new PooledCpuEngine(pool, { jobValues });
        for (const [i, [n, c, h, w]] of SHAPES.entries()) {
          const data = syntheticMaps(n * c, h, w, 100 + i);
          const want = await single.profileMaps(data, n * c, h, w);
          const reads: [number, number][] = [];
          expectIdentical(await engine.profileLayer(layerOf(data, n, c, h, w, reads)), want);
          expect(reads.reduce((a, [, k]) => a + k, 0)).toBe(n * c);
          // profileMaps: the same, and the caller's maps are left as they were (copies go to the workers).
          const before = data.slice();
          expectIdentical(await engine.profileMaps(data, n * c, h, w), want);
          expect(Buffer.compare(Buffer.from(data.buffer), Buffer.from(before.buffer))).toBe(0);
        }
      }
    }
  });

  it('the command\'s pool (worker threads and its own thread as one more slot) gives the same bits, and its own thread takes chunks', async () => {
    for (const workers of [1, 2]) {
      const pool = threads(workers, true);
      expect(pool.size).toBe(workers + 1);
      const engine = new PooledCpuEngine(pool, { jobValues: 3 * 97 * 89 });
      for (const [i, [n, c, h, w]] of SHAPES.entries()) {
        const data = syntheticMaps(n * c, h, w, 300 + i);
        expectIdentical(await engine.profileLayer(layerOf(data, n, c, h, w)), await single.profileMaps(data, n * c, h, w));
      }
    }
    // The own slot alone: every job runs on this thread, on a later turn of its event loop.
    let posted = 0;
    let answered = 0;
    const own = ownThreadWorker();
    const pool = new CpuPool(() => {
      const counted: PoolWorker = {
        post(request, transfer) {
          posted++;
          own.post(request, transfer);
        },
        onReply: null,
        onFailure: null,
        terminate: () => own.terminate(),
      };
      own.onReply = (reply) => {
        answered++;
        counted.onReply?.(reply);
      };
      return counted;
    }, 1);
    const data = syntheticMaps(7, 13, 11, 5);
    const pending = new PooledCpuEngine(pool, { jobValues: 2 * 13 * 11 }).profileMaps(data, 7, 13, 11);
    expect(posted).toBe(2); // handed out at once, two jobs to the slot
    expect(answered).toBe(0); // nothing computed before the caller's turn ends
    expectIdentical(await pending, await single.profileMaps(data, 7, 13, 11));
    expect([posted, answered]).toEqual([4, 4]);
    pool.terminate();
    await expect(new PooledCpuEngine(pool).profileMaps(data, 7, 13, 11)).rejects.toThrow('stopped');
  });

  it('the command\'s default: two fewer worker threads than cores, none on 2 cores', () => {
    expect(defaultThreads()).toBe(Math.max(0, (availableParallelism?.() ?? cpus().length) - 2));
  });

  it('startPoolEarly starts the worker threads of `--backend cpu` before the command loads, and the command\'s pool is that one', async () => {
    // Nothing for another backend, a subcommand, --threads 0 or a usage error.
    for (const argv of [['--threads', '2', 'a.npy'], ['--backend', 'gpu', '--threads', '2', 'a.npy'], ['run', '--backend', 'cpu', '--threads', '2', '--model', 'm.onnx', 'x.png'], ['--backend', 'cpu', '--threads', '2', '--kappa', '7', 'a.npy']]) {
      startPoolEarly(argv);
      expect(threads(2, true).started, argv.join(' ')).toBe(0);
    }
    startPoolEarly(['--backend', 'cpu', '--threads', '2', 'a.npy']);
    // Another size is another pool; the same size and own thread take the early one, once.
    expect(threads(2).started).toBe(0);
    const early = threads(2, true);
    expect(early.started).toBe(3);
    expect(threads(2, true).started).toBe(0);
    const data = syntheticMaps(9, 12, 10, 4);
    expectIdentical(await new PooledCpuEngine(early, { jobValues: 120 }).profileMaps(data, 9, 12, 10), await single.profileMaps(data, 9, 12, 10));
  });

  it('every map kind (dead, constant, NaN) comes back flagged as the single engine flags it', async () => {
    const engine = new PooledCpuEngine(threads(2), { jobValues: 3 * 15 * 14 });
    const data = syntheticMaps(25, 15, 14, 9);
    data[3 * 15 * 14 + 5] = Infinity;
    const want = await single.profileMaps(data, 25, 15, 14);
    const got = await engine.profileMaps(data, 25, 15, 14);
    expectIdentical(got, want);
    expect(Array.from(got.nonFinite).filter(Boolean).length).toBeGreaterThan(1);
  });

  it('a channel spectrum on a worker equals the single engine\'s', async () => {
    const engine = new PooledCpuEngine(threads(1));
    const map = syntheticMaps(1, 23, 18, 4);
    const want = await single.powerSpectrum(map, 23, 18);
    const got = await engine.powerSpectrum(map, 23, 18);
    expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer))).toBe(0);
    expect(map.length).toBe(23 * 18); // not detached
  });

  it('reports progress up to the whole layer, in order', async () => {
    const engine = new PooledCpuEngine(threads(2), { jobValues: 2 * 9 * 10 });
    const data = syntheticMaps(13, 9, 10, 3);
    const progress: number[] = [];
    await engine.profileLayer(layerOf(data, 1, 13, 9, 10), { onProgress: (done, total) => progress.push(done / total) });
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('stops reading on abort, rejects with the reason, and the pool works on afterwards', async () => {
    const pool = threads(2);
    const engine = new PooledCpuEngine(pool, { jobValues: 31 * 29 });
    const data = syntheticMaps(40, 31, 29, 5);
    const controller = new AbortController();
    const reads: [number, number][] = [];
    const run = engine.profileLayer(layerOf(data, 1, 40, 31, 29, reads), {
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 3) controller.abort(new Error('stopped by the user'));
      },
    });
    await expect(run).rejects.toThrow('stopped by the user');
    expect(reads.length).toBeLessThan(40);
    expectIdentical(await engine.profileMaps(data, 40, 31, 29), await single.profileMaps(data, 40, 31, 29));
  });

  it('a failed or short read fails the layer with the reader\'s error', async () => {
    const engine = new PooledCpuEngine(threads(2), { jobValues: 4 * 6 });
    const data = syntheticMaps(12, 4, 6, 2);
    const broken: Layer = { ...layerOf(data, 1, 12, 4, 6), readMaps: async (first) => {
      if (first >= 4) throw new ActivationFileError('maps.npy', 'cannot read bytes 400-500 (EIO)', 'conv');
      return data.slice(0, 4 * 24);
    } };
    await expect(engine.profileLayer(broken)).rejects.toThrow('maps.npy: conv: cannot read bytes 400-500 (EIO)');
    const short: Layer = { ...layerOf(data, 1, 12, 4, 6), readMaps: async () => new Float32Array(5) };
    await expect(engine.profileLayer(short)).rejects.toThrow(/maps 0\.\.0 gave 5 values, not 24/);
  });
});

/** Workers in this thread (the real request handler); the first job of all makes its worker fail when `crashFirst`. */
function inThread(crashFirst: boolean, log: string[] = []): (index: number) => PoolWorker {
  let posted = 0;
  return (index) => {
    const worker: PoolWorker = {
      onReply: null,
      onFailure: null,
      post(request: PoolRequest) {
        const job = ++posted;
        log.push(`worker ${index} job ${job}`);
        setTimeout(async () => {
          if (crashFirst && job === 1) worker.onFailure?.('out of memory');
          else worker.onReply?.((await handlePoolRequest(request)) as PoolReply);
        }, 1);
      },
      terminate() {
        log.push(`worker ${index} terminated`);
      },
    };
    return worker;
  };
}

describe('the command\'s output stream', () => {
  it('a write that waits for drain takes its listeners off again (no pile-up past Node\'s limit)', async () => {
    const stream = new PassThrough({ highWaterMark: 4 });
    stream.resume();
    const errorListeners = stream.listenerCount('error');
    for (let i = 0; i < 30; i++) await write(stream, 'a line longer than the mark\n');
    expect(stream.listenerCount('error')).toBe(errorListeners);
    expect(stream.listenerCount('drain')).toBe(0);
  });
});

describe('the pool itself', () => {
  it('a worker that fails fails its chunk with the reason; a fresh worker takes the next work', async () => {
    const log: string[] = [];
    const pool = new CpuPool(inThread(true, log), 1);
    const engine = new PooledCpuEngine(pool);
    const data = syntheticMaps(3, 8, 8, 1);
    await expect(engine.profileMaps(data, 3, 8, 8)).rejects.toThrow('a worker of the CPU engine failed (out of memory)');
    expectIdentical(await engine.profileMaps(data, 3, 8, 8), await single.profileMaps(data, 3, 8, 8));
    expect(log).toContain('worker 0 terminated');
    expect(pool.started).toBe(1);
    pool.terminate();
  });

  it('a worker whose script is missing fails with a message naming it, not a hang', async () => {
    const pool = new CpuPool(workerThreads(new URL('file:///no/such/dir/cpuWorker.mjs')), 1);
    pools.push(pool);
    await expect(new PooledCpuEngine(pool).profileMaps(syntheticMaps(1, 4, 4), 1, 4, 4)).rejects.toThrow(/a worker of the CPU engine failed \(.*cpuWorker\.mjs/);
  });

  it('maps stored as they are in a Blob are read by the workers themselves (the page\'s pool): the same profiles', async () => {
    const data = syntheticMaps(2 * 9, 21, 19, 12);
    const file = new Blob([float32Npy(data, [2, 9, 21, 19])]);
    const { layers } = await openActivationFile(file, 'maps.npy', 'nchw');
    const [layer] = layers;
    expect(layer.mapBytes?.(3, 5)).toMatchObject({ blob: file });
    const log: string[] = [];
    const requests: string[] = [];
    const seen = new CpuPool((index) => {
      const inner = inThread(false, log)(index);
      return { ...inner, post: (request, transfer) => (requests.push(request.kind), inner.post(request, transfer)), set onReply(f) { inner.onReply = f; }, get onReply() { return inner.onReply; }, set onFailure(f) { inner.onFailure = f; }, get onFailure() { return inner.onFailure; } };
    }, 2);
    const started = new PooledCpuEngine(seen, { readsInWorkers: true, jobValues: 4 * 21 * 19 }).profileLayer(layer);
    // Byte ranges are handed out at once, before the caller's turn ends (the page then draws).
    expect(requests.length).toBeGreaterThan(0);
    const got = await started;
    expect(new Set(requests)).toEqual(new Set(['profileBytes']));
    expectIdentical(got, await single.profileMaps(data, 18, 21, 19));
    // A layout that needs reordering (NHWC) is read on the owning thread and sent as values.
    const nhwc = (await openActivationFile(file, 'maps.npy', 'nhwc')).layers[0];
    expect(nhwc.mapBytes?.(0, 1)).toBeNull();
    requests.length = 0;
    await new PooledCpuEngine(seen, { readsInWorkers: true }).profileLayer(nhwc);
    expect(new Set(requests)).toEqual(new Set(['profile']));
    seen.terminate();
  });

  it('a worker\'s failed read fails the layer with a message naming the file and the layer', async () => {
    const data = syntheticMaps(4, 5, 6, 1);
    const { layers } = await openActivationFile(new Blob([float32Npy(data, [1, 4, 5, 6])]), 'maps.npy', 'nchw');
    const broken = new Blob([new Uint8Array(10)]);
    const layer: Layer = { ...layers[0], mapBytes: (first, count) => ({ blob: broken, start: 200 + first * 120, end: 200 + (first + count) * 120 }) };
    const pool = new CpuPool(inThread(false), 1);
    await expect(new PooledCpuEngine(pool, { readsInWorkers: true }).profileLayer(layer)).rejects.toThrow(/^maps\.npy: maps: reading maps 0\.\.3 failed \(reading bytes 200-680 gave 0 bytes; the file may have changed\)$/);
    pool.terminate();
  });

  it('after terminate, calls fail at once', async () => {
    const pool = new CpuPool(inThread(false), 2);
    pool.terminate();
    await expect(new PooledCpuEngine(pool).profileMaps(syntheticMaps(1, 4, 4), 1, 4, 4)).rejects.toThrow('stopped');
  });

  it('warm() starts every worker at once; work then goes to them', async () => {
    const log: string[] = [];
    const pool = new CpuPool(inThread(false, log), 3);
    expect(pool.started).toBe(0);
    pool.warm();
    expect(pool.started).toBe(3);
    const data = syntheticMaps(9, 5, 5, 2);
    expectIdentical(await new PooledCpuEngine(pool, { jobValues: 25 }).profileMaps(data, 9, 5, 5), await single.profileMaps(data, 9, 5, 5));
    expect(new Set(log.map((l) => l.split(' job')[0]))).toEqual(new Set(['worker 0', 'worker 1', 'worker 2']));
    pool.terminate();
  });

  it('a worker holds at most jobsPerWorker jobs at once (2 by default; the page\'s pool, whose workers read the file, more)', async () => {
    for (const [perWorker, readsInWorkers] of [[2, false], [5, false], [5, true]] as const) {
      let outstanding = 0;
      let most = 0;
      const pool = new CpuPool((index) => {
        const inner = inThread(false)(index);
        const counted: PoolWorker = {
          onReply: null,
          onFailure: null,
          post(request, transfer) {
            most = Math.max(most, ++outstanding);
            inner.post(request, transfer);
          },
          terminate: () => inner.terminate(),
        };
        inner.onReply = (reply) => {
          outstanding--;
          counted.onReply?.(reply);
        };
        return counted;
      }, 1, perWorker === 2 ? undefined : perWorker);
      const data = syntheticMaps(40, 6, 5, 3);
      const engine = new PooledCpuEngine(pool, { jobValues: 30, readsInWorkers });
      expectIdentical(await engine.profileMaps(data, 40, 6, 5), await single.profileMaps(data, 40, 6, 5));
      // 2 chunks handed out ahead per worker; by an engine whose workers read (the page's), as many as a worker holds
      const want = readsInWorkers ? perWorker : Math.min(perWorker, 2);
      expect(most).toBe(want);
      const layer = layerOf(data, 1, 40, 6, 5);
      most = 0;
      expectIdentical(await engine.profileLayer(layer), await single.profileMaps(data, 40, 6, 5));
      expect(most).toBe(want);
      pool.terminate();
    }
    expect(() => new CpuPool(inThread(false), 1, 0)).toThrow('at least one');
  });

  it('refuses a pool of no workers', () => {
    expect(() => new CpuPool(inThread(false), 0)).toThrow('at least one');
  });

  it('the engine host runs the CPU engine it is given, after a switch too', async () => {
    const pool = new CpuPool(inThread(false), 2);
    const host = await EngineHost.start({ adapter: null, cpuEngine: () => new PooledCpuEngine(pool) }, 'cpu');
    expect(host.engine).toBeInstanceOf(PooledCpuEngine);
    await host.setChoice('auto');
    expect(host.engine).toBeInstanceOf(PooledCpuEngine);
    const data = syntheticMaps(4, 6, 5, 8);
    expectIdentical(await host.engine.profileMaps(data, 4, 6, 5), await single.profileMaps(data, 4, 6, 5));
    host.destroy();
    pool.terminate();
  });
});
