#!/usr/bin/env node
// Writes docs/feature-maps.md: what the page chooses by default on torchvision architectures.
//   1. /usr/bin/python3 tools/export_torchvision.py        (exports into tmp/torchvision/)
//   2. node tools/feature_map_table.mjs [DIR] [--out FILE]
// Each tmp/torchvision/<name>.onnx is loaded through the page's model store (tools/featureMapTable.ts,
// run by Vite's module runner) and its default choice counted per role.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args.splice(outAt, 2)[1] : join(root, 'docs', 'feature-maps.md');
const dir = args[0] ?? join(root, 'tmp', 'torchvision');
const ORDER = ['resnet18', 'resnet50', 'vgg16', 'mobilenet_v2', 'mobilenet_v3_large', 'efficientnet_b0', 'densenet121', 'squeezenet1_1', 'shufflenet_v2_x1_0', 'convnext_tiny', 'regnet_y_400mf', 'googlenet'];
let names;
try {
  names = readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5));
} catch {
  console.error(`feature_map_table: ${dir}: no such folder; export the models first: /usr/bin/python3 tools/export_torchvision.py`);
  process.exit(1);
}
names.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
if (!names.length) {
  console.error(`feature_map_table: ${dir}: no .onnx files; export the models first: /usr/bin/python3 tools/export_torchvision.py`);
  process.exit(1);
}
const { module } = await runnerImport(join(root, 'tools', 'featureMapTable.ts'), { configFile: false, logLevel: 'error' });
const rows = [];
let info = null;
for (const name of names) {
  const started = Date.now();
  const counts = await module.countModel(join(dir, `${name}.onnx`));
  const meta = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  info ??= meta;
  rows.push({ name, meta, counts });
  console.log(`${name}: ${counts.chosen} of ${counts.offered} chosen (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (counts.gatesChosen || counts.singlePixelChosen || !counts.inOrder) console.error(`${name}: the default breaks a rule (gates ${counts.gatesChosen}, 1 x 1 ${counts.singlePixelChosen}, in order ${counts.inOrder})`);
}
const r = (c, role) => c.byRole[role];
const lines = [
  '# Feature maps chosen by default on torchvision architectures',
  '',
  'What the page offers and chooses by default when a model is loaded (see the README, "Live feature maps"),',
  'counted per role. Made by `tools/feature_map_table.mjs` from models exported by `tools/export_torchvision.py`',
  `(torchvision ${info.torchvision} and PyTorch ${info.torch}, Debian packages; random weights, nothing downloaded;`,
  `input 1 x 3 x ${info.size} x ${info.size}), each loaded through the page's own model store in Node (the probe run`,
  "on onnxruntime-web's WASM backend gives the shapes). The counts depend on the architecture, the opset and the",
  'input size, not on the weights or the machine.',
  '',
  'Block outputs: residual Adds, Concats of branches and channel shuffles; where a residual Add only feeds an',
  'activation (ResNet, RegNet: ReLU(x + f(x))), that activation is the block output, counted in both columns.',
  '',
  '| model | opset | 4-D tensors offered | chosen | activations | block outputs (of which activations after the Add) | other roles | 1 x 1 offered (none chosen) | channels-last offered / chosen |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map(({ name, meta, counts: c }) => {
    const afterAdd = c.chosenList.filter((x) => x.role === 'activation' && x.note.endsWith('block output')).length;
    return `| ${name} | ${meta.opset} | ${c.offered} | ${c.chosen} | ${r(c, 'activation')} | ${r(c, 'block') + afterAdd} (${afterAdd}) | ${c.chosen - r(c, 'activation') - r(c, 'block')} | ${c.singlePixel} | ${c.channelsLast} / ${c.channelsLastChosen} |`;
  }),
  '',
  'In every row: no gate (the Sigmoid of SiLU, the HardSigmoid of Hardswish at opset 13, the Erf of GELU, a',
  "squeeze-excitation's scale) is chosen, no 1 x 1 map is chosen, and the choice is in network order",
  `(checked by the script: ${rows.every(({ counts: c }) => !c.gatesChosen && !c.singlePixelChosen && c.inOrder) ? 'holds for every model above' : 'FAILS for at least one model above'}).`,
  '',
  '## What each model gets',
  '',
  ...rows.flatMap(({ name, counts: c }) => {
    const kinds = new Map();
    for (const x of c.chosenList) {
      const what = x.role === 'block' ? x.note.replace(/ of \d+ branches$/, '') : `${x.note.replace(/ of .*$/, '')}${x.note.endsWith('block output') ? ' (block output)' : ''}`;
      const key = `${x.role}: ${what}${x.layout === 'nhwc' ? ' (channels-last)' : ''}`;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    return [`- **${name}**: ${[...kinds].map(([k, n]) => `${n} x ${k}`).join('; ')}`];
  }),
  '',
  'Regenerate: `/usr/bin/python3 tools/export_torchvision.py && node tools/feature_map_table.mjs`.',
  '',
];
writeFileSync(out, lines.join('\n'));
console.log(`wrote ${out}`);
