// Entry of the `srop` command (bundled to dist-cli/srop.mjs, run by bin/srop.mjs). The CPU
// engine's worker threads, when the arguments ask for them, start before the rest of the command
// loads (nodePool.ts, startPoolEarly).
import { startPoolEarly } from './nodePool';

const argv = process.argv.slice(2);
startPoolEarly(argv);
const { runSrop } = await import('./run');
const code = await runSrop(argv, { stdout: process.stdout, stderr: process.stderr }).catch((error: unknown) => {
  process.stderr.write(`srop: ${(error as Error).message}\n`);
  return 1;
});
// Dawn keeps native handles open; leave once the output has been flushed.
process.stdout.write('', () => process.exit(code));
