// The `srop` command when the GPU device is lost mid-run (Dawn; SwiftShader where there is no GPU): the layer that
// was interrupted runs again on the host's new engine, and every later layer runs on that engine,
// not on the destroyed one. The loss is made through the host's own test hook, as the page's
// "simulate device loss" control does (e2e/app.spec.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSrop } from '../src/cli/run';
import { engineForCli, type CliEngine } from '../src/cli/engineForCli';
import type { ProfileEngine } from '../src/engine/types';
import type { Layer } from '../src/io/types';
import { syntheticMaps } from '../src/testing/syntheticMaps';
import { gpuSkipNote, skipGpuTests } from './helpers/dawn';
import { float32Npy } from '../src/testing/npyFile';



function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

async function run(argv: string[], engineFor?: (options: Parameters<typeof engineForCli>[0]) => Promise<CliEngine>) {
  const stdout = collect();
  const stderr = collect();
  const code = await runSrop(argv, { stdout: stdout.stream, stderr: stderr.stream, engineFor });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function rows(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trim().split('\n');
  const keys = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])));
}

describe.skipIf(skipGpuTests)(`srop after a lost GPU device (Dawn)${gpuSkipNote}`, () => {
  it('reruns the interrupted layer and the rest on the recovered engine; results as the CPU engine’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srop-recovery-'));
    const files = [['l1', 5, 13, 17], ['l2', 6, 28, 28], ['l3', 3, 7, 7]] as const;
    for (const [name, c, h, w] of files) writeFileSync(join(dir, `${name}.npy`), float32Npy(syntheticMaps(c, h, w, c * h + w, ['relu', 'smooth', 'random']), [1, c, h, w]));
    const paths = files.map(([name]) => join(dir, `${name}.npy`));

    // (layer, engine) of every profileLayer call
    const used: Array<[string, ProfileEngine]> = [];
    let lost = false;
    const out = await run(['--backend', 'gpu', '--layout', 'nchw', ...paths], async (options) => {
      const cli = await engineForCli(options);
      return {
        ...cli,
        engine: () => {
          const engine = cli.engine();
          const watched: Partial<ProfileEngine> = {
            profileLayer: (layer: Layer, o) => {
              used.push([layer.name, engine]);
              if (layer.name !== 'l2' || lost) return engine.profileLayer(layer, o);
              // The second layer: the device goes once its first maps have been read, mid-layer.
              const readMaps = async (first: number, count: number) => {
                const data = await layer.readMaps(first, count);
                if (!lost) {
                  lost = true;
                  cli.host.loseDeviceForTesting();
                }
                return data;
              };
              return engine.profileLayer(Object.assign(Object.create(layer) as Layer, { readMaps }), o);
            },
          };
          return Object.assign(Object.create(engine) as ProfileEngine, watched);
        },
      };
    });
    expect(out.stderr).toMatch(/srop: backend gpu: GPU engine/);
    expect(lost).toBe(true);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`srop: warning: the GPU device was lost (simulated); recovered on a new device; ${paths[1]}: l2 runs again on the GPU engine`);
    // Layers 1 and 2 on the first engine, and layer 3, started while layer 2 runs (the GPU engine
    // overlaps layers); layers 2 and 3 then again on the new one.
    expect(used.map(([name]) => name).slice(0, 3)).toEqual(['l1', 'l2', 'l3']);
    expect(used.slice(0, 3).every(([, engine]) => engine === used[0][1])).toBe(true);
    expect(used.slice(3).map(([name]) => name).sort()).toEqual(['l2', 'l3']);
    expect(used[3][1]).not.toBe(used[0][1]);
    expect(used[4][1]).toBe(used[3][1]);
    expect(used[3][1].backend).toBe('gpu');
    expect(out.stderr).toContain(`${paths[2]}: l3 runs again on the GPU engine`);
    // The warnings come in layer order.
    expect(out.stderr.indexOf(`${paths[1]}: l2 runs again`)).toBeLessThan(out.stderr.indexOf(`${paths[2]}: l3 runs again`));

    const cpu = await run(['--backend', 'cpu', '--layout', 'nchw', ...paths]);
    expect(cpu.code, cpu.stderr).toBe(0);
    const g = rows(out.stdout);
    const c = rows(cpu.stdout);
    expect(g.map((r) => r.layer)).toEqual(c.map((r) => r.layer));
    expect(new Set(g.map((r) => r.layer))).toEqual(new Set(['l1', 'l2', 'l3']));
    for (const [i, r] of g.entries()) {
      expect(r.status).toBe(c[i].status);
      if (c[i].srop) expect(Math.abs(Number(r.srop) - Number(c[i].srop))).toBeLessThanOrEqual(1e-3 * Math.max(1, Number(c[i].srop)));
    }
  });
});
