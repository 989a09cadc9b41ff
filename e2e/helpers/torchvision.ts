// Torchvision models for the end-to-end tests, exported here by tools/export_torchvision.py with
// Debian's python3-torch (random weights, nothing downloaded) into tmp/torchvision-e2e/ (ignored by
// git), with PyTorch's own feature maps beside them. Made once; made again when the script changes.
// Without python3-torch the tests fail, saying how to install it, unless SROP_SKIP_TORCH=1 is set.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface TorchRecord {
  member: string;
  module: string;
  kind: 'activation' | 'block' | 'gate';
  channels_last: boolean;
  /** [N, C, H, W] as stored in the .npz (channels-last tensors permuted). */
  shape: number[];
}

export interface ExportedModel {
  name: string;
  size: number;
  model: string;
  input: string;
  maps: string;
  records: TorchRecord[];
}

export const TORCH_PYTHON = process.env.SROP_TORCH_PYTHON ?? '/usr/bin/python3';
export const SKIP_TORCH = process.env.SROP_SKIP_TORCH === '1';

/** Why the models cannot be made here, or null when python3-torch works. */
export function torchMissing(): string | null {
  try {
    execFileSync(TORCH_PYTHON, ['-c', 'import torch, torchvision'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return null;
  } catch (error) {
    const detail = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim().split('\n').at(-1);
    return `${TORCH_PYTHON} cannot import torch and torchvision (${detail}). These tests export torchvision models with Debian's python3-torch and python3-torchvision: install them (apt-get install python3-torch python3-torchvision), point SROP_TORCH_PYTHON at a Python that has them, or set SROP_SKIP_TORCH=1 to skip these tests knowingly.`;
  }
}

/** The models, exported (once) at `size` x `size` with PyTorch's feature maps dumped. */
export function exportedModels(root: string, names: string[], size: number): ExportedModel[] {
  const out = join(root, 'tmp', 'torchvision-e2e');
  const script = join(root, 'tools', 'export_torchvision.py');
  const fresh = (name: string) => {
    const files = ['.onnx', '.json', '_input.npy', '_maps.npz', '_maps.json'].map((s) => join(out, name + s));
    if (!files.every(existsSync)) return false;
    const meta = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
    return meta.size === size && files.every((f) => statSync(f).mtimeMs >= statSync(script).mtimeMs);
  };
  const stale = names.filter((n) => !fresh(n));
  if (stale.length) {
    const why = torchMissing();
    if (why) throw new Error(why);
    execFileSync(TORCH_PYTHON, [script, '--size', String(size), '--dump', '--out', out, ...stale], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  }
  return names.map((name) => ({
    name,
    size,
    model: join(out, `${name}.onnx`),
    input: join(out, `${name}_input.npy`),
    maps: join(out, `${name}_maps.npz`),
    records: JSON.parse(readFileSync(join(out, `${name}_maps.json`), 'utf8')),
  }));
}
