#!/usr/bin/env node
// Launcher for the `srop` command: runs the bundle that `npm install` (prepare) builds.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist-cli/srop.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('srop: the command is not built; run `npm run build:cli` (npm install does it)');
  process.exit(2);
}
await import(bundle.href);
