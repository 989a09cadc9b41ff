#!/usr/bin/env node
// Launcher for the `srop` command: runs the bundle that `npm install` (prepare) builds.
//
// Dawn (the WebGPU library behind the GPU engine) writes its own diagnostics straight to the
// process's stderr from native code, for example "Warning: Vulkan ... required. - While initializing
// adapter ..." when a Vulkan driver it skips lacks a feature. The command's stderr is for its own
// messages, so unless the CPU engine was asked for (Dawn is not loaded then) or --verbose is given,
// the bundle runs in a child process whose stderr passes through a filter that drops those blocks.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist-cli/srop.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('srop: the command is not built; run `npm run build:cli` (npm install does it)');
  process.exit(2);
}
const args = process.argv.slice(2);
const cpuOnly = args.some((a, i) => a === '--backend=cpu' || (a === '--backend' && args[i + 1] === 'cpu'));
const verbose = args.includes('--verbose') || args.includes('-v');
if (process.env.SROP_CHILD === '1' || cpuOnly || verbose || args.includes('--help') || args.includes('-h')) {
  await import(bundle.href);
} else {
  const child = spawn(process.execPath, [fileURLToPath(bundle), ...args], { stdio: ['inherit', 'inherit', 'pipe'], env: { ...process.env, SROP_CHILD: '1' } });
  // A native diagnostic: a "Warning: ..." (or "Error: ...") line followed by Dawn's trace lines
  // (" - While ...", "    at Function (.../dawn/...)") and a blank line; or the Vulkan loader's
  // XDG_RUNTIME_DIR complaint. Anything else passes, in order.
  const head = /^(Warning|Error|error): /;
  const trace = /^( - While |\s+at \S+ \(.*(dawn|third_party).*\)\s*$)/;
  let pending = '';
  let held = null;
  let inBlock = false;
  const pass = (line) => {
    if (inBlock) {
      if (trace.test(line)) return;
      inBlock = false;
      if (line === '') return;
    }
    if (held !== null) {
      const first = held;
      held = null;
      if (trace.test(line)) {
        inBlock = true;
        return;
      }
      process.stderr.write(`${first}\n`);
    }
    // The Vulkan loader's own one-line complaints (no driver, an unreadable ICD file), and XDG_RUNTIME_DIR.
    if (/XDG_RUNTIME_DIR is invalid|^(Warning|Error|ERROR|error): (loader_|vkCreateInstance|vkEnumerate)/.test(line)) {
      inBlock = true; // and its trace lines, if any
      return;
    }
    if (head.test(line)) {
      held = line;
      return;
    }
    process.stderr.write(`${line}\n`);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) pass(line);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => {
    if (pending) pass(pending);
    if (held !== null) process.stderr.write(`${held}\n`);
    process.stderr.write('', () => process.exit(code ?? (signal ? 1 : 0)));
  });
}
