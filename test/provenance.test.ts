// Provenance of the exports: the SHA-256 of the model's bytes, what the page's exports carry, their
// file names (model, side, kappa), and the command's private runtime directory for Dawn.
import { createHash } from 'node:crypto';
import { mkdtempSync, statSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/numeric/sha256';
import { exportFileName, fileNamePart, provenanceLines, provenanceOf } from '../src/session/provenance';
import { ensureRuntimeDir } from '../src/cli/nodeGpu';
import { DEFAULT_PARAMS } from '../src/analysis/srop';
import { layoutLine } from '../src/cli/run';
import type { Layer } from '../src/io/types';

describe('sha256Hex', () => {
  it('equals node:crypto for lengths around the block and padding boundaries', () => {
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 65_537]) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 131 + 7) & 0xff;
      expect(sha256Hex(bytes), `${n} bytes`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
  it('reads a view into a larger buffer from its offset', () => {
    const big = new Uint8Array(300).map((_, i) => i & 0xff);
    const view = big.subarray(17, 17 + 201);
    expect(sha256Hex(view)).toBe(createHash('sha256').update(view).digest('hex'));
  });
});

const pane = (files: string[], input: number | null = null) => ({ files: files.map((name, id) => ({ id, name, blob: null, origin: 'user' as const, layout: 'auto' as const, layers: [] })), errors: [], input });

describe('provenanceOf', () => {
  const model = {
    model: { name: 'resnet18.onnx', inputName: 'input', inputDims: ['batch', 3, 224, 224] as Array<number | string | null>, producer: 'pytorch', origin: 'user' as const, sha256: 'ab'.repeat(32), bytes: 46_000_000 },
    preprocessing: { height: 224, width: 224, channels: 3 as const, scaleTo01: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    inputs: {
      A: { id: 3, name: 'cat.png', items: [{ name: 'cat.png', image: null, tensor: null }], origin: 'user' as const, recipe: null, stale: null, image: null, tensor: null },
      B: { id: 4, name: 'cat.png (occluded)', origin: 'user' as const, recipe: { kind: 'occlude' as const, rect: { x: 10, y: 20, width: 30, height: 40 }, on: null, sigma: null, value: 0, from: 'cat.png', fromId: 3 }, items: [{ name: 'cat.png (occluded)', image: null, tensor: null }], stale: null, image: null, tensor: null },
    },
    providerInUse: 'wasm' as const,
  };
  const p = provenanceOf(
    { params: { ...DEFAULT_PARAMS, kappa: 0.9 }, panes: { A: pane(['resnet18.onnx (live)']), B: pane(['resnet18.onnx (live)'], 0) } },
    model,
    { backend: 'gpu', adapter: 'NVIDIA H200' },
    new Date('2026-01-02T03:04:05Z'),
  );

  it('carries parameters, engine, app version, model hash, preprocessing, B recipe and files', () => {
    expect(p.app).toBe('SROP lab');
    expect(p.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(p.exported).toBe('2026-01-02T03:04:05.000Z');
    expect(p.params.kappa).toBe(0.9);
    expect(p.engine).toEqual({ backend: 'gpu', adapter: 'NVIDIA H200' });
    expect(p.model).toMatchObject({ name: 'resnet18.onnx', sha256: 'ab'.repeat(32), bytes: 46_000_000, input: 'input [batch, 3, 224, 224]', provider: 'wasm' });
    expect(p.preprocessing?.mean).toEqual([0.485, 0.456, 0.406]);
    expect(p.sides.A).toEqual({ files: ['resnet18.onnx (live)'], input: 'pooled', liveInput: 'cat.png', recipe: null });
    expect(p.sides.B.input).toBe(0);
    expect(p.sides.B.recipe).toMatchObject({ change: 'occlude', rect: { x: 10, y: 20, width: 30, height: 40 }, value: 0, from: 'cat.png' });
  });

  it('as CSV comment lines, one per fact, none spanning lines', () => {
    const lines = provenanceLines(p);
    expect(lines.every((l) => l.startsWith('# ') && !l.includes('\n'))).toBe(true);
    const keys = lines.map((l) => l.slice(2, l.indexOf(':')));
    for (const key of ['app', 'params', 'engine', 'model', 'model_sha256', 'preprocessing', 'files_A', 'input_A', 'live_input_A', 'recipe_B']) expect(keys).toContain(key);
    expect(lines).toContain('# engine: gpu (NVIDIA H200)');
    expect(lines.find((l) => l.startsWith('# recipe_B'))).toContain('"rect":{"x":10,"y":20,"width":30,"height":40}');
  });

  it('file names carry the model, the side and kappa', () => {
    expect(exportFileName('srops', p, 'csv')).toBe('srops-resnet18-k0.9.csv');
    expect(exportFileName('srop-map-layer1.0.relu-c3', p, 'png', 'B')).toBe('srop-map-layer1.0.relu-c3-resnet18-B-k0.9.png');
    const noModel = provenanceOf({ params: DEFAULT_PARAMS, panes: { A: pane([]), B: pane(['b run/acts.npz']) } }, { model: null, preprocessing: null, inputs: { A: null, B: null }, providerInUse: null }, { backend: 'cpu', adapter: null });
    expect(noModel.model).toBeNull();
    expect(exportFileName('comparison', noModel, 'csv')).toBe('comparison-b_run_acts-k0.85.csv');
    expect(fileNamePart('../evil/x?.onnx')).toBe('.._evil_x');
  });
});

describe('the command on stderr', () => {
  it('makes a private runtime directory for Dawn when XDG_RUNTIME_DIR is unset, unusable or shared', () => {
    const env: NodeJS.ProcessEnv = {};
    const made = ensureRuntimeDir(env);
    expect(env.XDG_RUNTIME_DIR).toBe(made);
    expect(statSync(made).mode & 0o077).toBe(0);
    const open = join(mkdtempSync(join(tmpdir(), 'srop-test-')), 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(ensureRuntimeDir({ XDG_RUNTIME_DIR: open })).not.toBe(open);
    const good = mkdtempSync(join(tmpdir(), 'srop-test-'));
    expect(ensureRuntimeDir({ XDG_RUNTIME_DIR: good })).toBe(good);
  });

  it('one layout line per file, counting the layouts', () => {
    const layer = (name: string, layout: 'nchw' | 'nhwc', layoutReason: string) => ({ name, layout, layoutReason }) as Layer;
    expect(layoutLine('x.npz', [layer('a', 'nchw', 'guessed: C=3 < H'), layer('b', 'nhwc', 'guessed: C=64 last'), layer('c', 'nchw', 'r')]))
      .toBe('srop: x.npz: layout nchw for 2 layers, nhwc for 1 layer (a: guessed: C=3 < H; --verbose for every layer)\n');
    expect(layoutLine('c.npy', [layer('c', 'nchw', 'guessed')])).toBe('srop: c.npy: layout nchw for 1 layer (guessed)\n');
  });
});
