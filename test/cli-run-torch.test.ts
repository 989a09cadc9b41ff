// Done-when check of `srop run`: on a ResNet-18 exported by PyTorch (torchvision, weights=None), its
// per-image SROPs equal the numpy reference (spec/srop_ref.py) applied to PyTorch's own tensors for
// the same PNG images (tools/torch_run_reference.py makes the model, the images and the reference
// into tmp/srop-run-torch/, once, and again when the script changes). Needs Debian's python3-torch
// and python3-torchvision: without them this test fails saying so, unless SROP_SKIP_TORCH=1 is set.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKIP_TORCH, TORCH_PYTHON, torchMissing } from '../e2e/helpers/torchvision';
import type { RunJson } from '../src/cli/runResult';

const root = join(import.meta.dirname, '..');
const out = join(root, 'tmp', 'srop-run-torch');
const script = join(root, 'tools', 'torch_run_reference.py');
/** The float32 tolerance on SROPs the tests use (test/gpuEngine.test.ts: float32 against float64). */
const SROP_TOLERANCE = 1e-3;

interface Reference {
  images: string[];
  layers: Array<{ module: string; shape: number[]; srop: Array<Array<number | null>>; ring: Array<Array<number | null>>; status: string[][] }>;
}

function reference(): Reference {
  const file = join(out, 'reference.json');
  const fresh = [file, join(out, 'resnet18.onnx')].every(existsSync) && statSync(file).mtimeMs >= statSync(script).mtimeMs && statSync(file).mtimeMs >= statSync(join(root, 'tools', 'export_torchvision.py')).mtimeMs;
  if (!fresh) {
    const why = torchMissing();
    if (why) throw new Error(why);
    execFileSync(TORCH_PYTHON, [script, out], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe.skipIf(SKIP_TORCH)('srop run against PyTorch', () => {
  it('ResNet-18: per image, every default feature map, SROPs as the reference gives on PyTorch\'s tensors', () => {
    const ref = reference();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'srop.mjs'), 'run', '--model', 'resnet18.onnx', '--backend', 'cpu', '--format', 'json', 'images'], { cwd: out, encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 28 });
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as RunJson;
    expect(run.images.map((i) => i.path)).toEqual(ref.images.map((name) => join('images', name)));
    // The page's default choice is PyTorch's activations and block outputs, one for one, in order
    // (ReLU modules called twice per block: relu, then relu_1 after the residual Add).
    expect(run.layers.map((l) => l.name)).toHaveLength(17);
    expect(run.layers.map((l) => l.shape)).toEqual(ref.layers.map((l) => l.shape));
    run.layers.forEach((l, k) => {
      const parts = ref.layers[k].module.split('.');
      const parent = parts.slice(0, -1).join('.');
      const scope = new RegExp(`^${parent ? `/.*${parent.replaceAll('.', '\\.')}` : ''}/${parts.at(-1)}(_\\d+)?/Relu_output_0$`);
      expect(l.name, `${l.name} is PyTorch's ${ref.layers[k].module}`).toMatch(scope);
    });
    let worst = 0, compared = 0;
    run.layers.forEach((l, k) => {
      const want = ref.layers[k];
      for (let i = 0; i < want.shape[0]; i++) {
        for (let c = 0; c < want.shape[1]; c++) {
          const where = `${ref.images[i]} ${l.name} channel ${c}`;
          if (l.status[i][c] !== want.status[i][c]) expect(l.status[i][c], where).toBe(want.status[i][c]);
          const a = want.srop[i][c], b = l.srop[i][c];
          if (a === null) continue;
          const d = Math.abs(a - (b as number));
          if (!(d <= SROP_TOLERANCE)) expect(b, where).toBeCloseTo(a, 3);
          worst = Math.max(worst, d);
          compared++;
        }
      }
    });
    expect(compared).toBeGreaterThan(10_000);
    console.log(`srop run vs PyTorch + srop_ref on ResNet-18: ${compared} SROPs, largest difference ${worst.toExponential(2)}`);
  }, 900_000);
});
