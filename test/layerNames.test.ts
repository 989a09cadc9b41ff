// Short layer names: the module path PyTorch's exporter writes into node names, unique within the
// model, on a real ResNet-18 export's tensors, on the demo (functional ReLUs: no path), and on
// names with no path at all; and `srop compare` pairing layers by either name.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { matchNames, modulePath, shortNames } from '../src/model/layerNames';
import { parseModel } from '../src/model/onnxGraph';
import { pairLayers } from '../src/cli/run';
import { float32Npy } from '../src/testing/npyFile';

const root = join(import.meta.dirname, '..');

describe('modulePath', () => {
  it('joins the scopes, a scope extending the one before it replacing it', () => {
    expect(modulePath('/layer1/layer1.0/relu_1/Relu')).toBe('layer1.0.relu_1');
    expect(modulePath('/layer1/layer1.0/relu_1/Relu_output_0')).toBe('layer1.0.relu_1');
    expect(modulePath('/layer2/layer2.0/downsample/downsample.0/Conv')).toBe('layer2.0.downsample.0');
    expect(modulePath('/features/features.1/block/block.0/block.0.2/Relu_output_0')).toBe('features.1.block.0.2');
    expect(modulePath('/fc/Gemm')).toBe('fc');
  });
  it('is null where the exporter wrote no scope', () => {
    for (const name of ['/Relu_1', '/Relu_1_output_0', 'conv1', 'input.4', '123', 'logits', '']) expect(modulePath(name), name).toBeNull();
  });
});

describe('shortNames', () => {
  it('ResNet-18 (torchvision, exported by torch.onnx): module paths as a forward hook names them, unique', () => {
    const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'resnet18-tensors.json'), 'utf8')) as { tensors: Array<[string, string, string]> };
    const tensors = fixture.tensors.map(([tensor, node]) => ({ tensor, node }));
    const names = shortNames(tensors);
    expect(names.get('/layer1/layer1.0/relu_1/Relu_output_0')).toBe('layer1.0.relu_1');
    expect(names.get('/layer1/layer1.0/relu/Relu_output_0')).toBe('layer1.0.relu');
    expect(names.get('/conv1/Conv_output_0')).toBe('conv1');
    expect(names.get('/layer3/layer3.0/downsample/downsample.0/Conv_output_0')).toBe('layer3.0.downsample.0');
    // The residual Add is made in the block's own forward, but the block's output is its last ReLU.
    expect(names.get('/layer1/layer1.0/Add_output_0')).toBe('layer1.0:Add');
    // The classifier's output tensor is called "logits"; its node names the module.
    expect(names.get('logits')).toBe('fc');
    expect(names.get('/Flatten_output_0')).toBe('/Flatten_output_0');
    const shorts = [...names.values()];
    expect(new Set(shorts).size).toBe(tensors.length);
    expect(shorts.filter((s) => s.startsWith('/'))).toEqual(['/Flatten_output_0']);
  });

  it('the demo (functional ReLUs, scoped Convs): Convs by module, ReLUs keep their tensor names', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'public', 'demo', 'manifest.json'), 'utf8'));
    const parsed = parseModel(new Uint8Array(readFileSync(join(root, 'public', 'demo', manifest.final))), manifest.final);
    const label = new Map(parsed.floatTensors.map((c) => [c.tensor, c.label]));
    expect(label.get('/conv1/Conv_output_0')).toBe('conv1');
    expect(label.get('/Relu_output_0')).toBe('/Relu_output_0');
    expect(label.get('/Relu_4_output_0')).toBe('/Relu_4_output_0');
    expect(new Set(label.values()).size).toBe(parsed.floatTensors.length);
  });

  it('a model whose node names carry no path keeps its tensor names', () => {
    const tensors = [
      { tensor: 'conv1_out', node: 'conv1' },
      { tensor: 'relu1_out', node: 'relu1' },
      { tensor: 'input.4', node: 'Conv_3' },
      { tensor: '17', node: '' },
    ];
    expect([...shortNames(tensors).values()]).toEqual(['conv1_out', 'relu1_out', 'input.4', '17']);
  });

  it('a path two tensors share, or one that is another tensor\'s name, is not used', () => {
    const names = shortNames([
      { tensor: '/blk/Mul_output_0', node: '/blk/Mul' },
      { tensor: '/blk/Mul_1_output_0', node: '/blk/Mul_1' },
      { tensor: '/head/Relu_output_0', node: '/head/Relu' },
      { tensor: 'head', node: 'Identity_9' },
    ]);
    // blk: its first Mul is not its output (blk:Mul); its last is (blk).
    expect(names.get('/blk/Mul_output_0')).toBe('blk:Mul');
    expect(names.get('/blk/Mul_1_output_0')).toBe('blk');
    expect(names.get('/head/Relu_output_0')).toBe('/head/Relu_output_0');
    expect(names.get('head')).toBe('head');
  });
});

describe('pairing A and B by either name', () => {
  it('a tensor-named export pairs with a hook dump of the same model', () => {
    const a = ['/layer1/layer1.0/relu_1/Relu_output_0', '/conv1/Conv_output_0', 'extra'];
    const b = ['conv1', '007 layer1.0.relu_1', 'other'];
    expect(pairLayers(a, b)).toEqual(new Map([['/layer1/layer1.0/relu_1/Relu_output_0', '007 layer1.0.relu_1'], ['/conv1/Conv_output_0', 'conv1']]));
    // An exact name wins over an alias, and each of B's layers pairs once.
    expect(pairLayers(['conv1', '/conv1/Conv_output_0'], ['conv1'])).toEqual(new Map([['conv1', 'conv1']]));
    expect(matchNames({ name: 'layer1.0.relu_1', tensor: '/layer1/layer1.0/relu_1/Relu_output_0' })).toEqual(['layer1.0.relu_1', '/layer1/layer1.0/relu_1/Relu_output_0']);
  });

  it('srop compare: an ONNX-named dump against a hook dump compares every layer', () => {
    expect(existsSync(join(root, 'dist-cli', 'srop.mjs')), 'run `npm run build:cli` first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'srop-names-'));
    const maps = (seed: number) => Float32Array.from({ length: 2 * 3 * 9 * 11 }, (_, i) => Math.sin(i * 0.37 + seed) + Math.cos(i * 0.011 * seed));
    writeFileSync(join(dir, 'onnx.npz'), zipSync({ '/layer1/layer1.0/relu_1/Relu_output_0.npy': float32Npy(maps(1), [2, 3, 9, 11]), '/conv1/Conv_output_0.npy': float32Npy(maps(2), [2, 3, 9, 11]) }, { level: 0 }));
    writeFileSync(join(dir, 'hooks.npz'), zipSync({ 'layer1.0.relu_1.npy': float32Npy(maps(3), [2, 3, 9, 11]), 'conv1.npy': float32Npy(maps(4), [2, 3, 9, 11]) }, { level: 0 }));
    const r = spawnSync(process.execPath, [join(root, 'bin', 'srop.mjs'), 'compare', '--backend', 'cpu', '--layout', 'nchw', 'onnx.npz', 'hooks.npz'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(rows).toEqual(['/layer1/layer1.0/relu_1/Relu_output_0', '/conv1/Conv_output_0']);
    expect(r.stderr).not.toMatch(/only in/);
    expect(r.stderr).toContain("srop: layer /conv1/Conv_output_0: compared with B's conv1 (the same module path)");
  });
});
