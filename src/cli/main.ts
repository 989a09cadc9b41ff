// Entry of the `srop` command (bundled to dist-cli/srop.mjs, run by bin/srop.mjs).
import { runSrop } from './run';

const code = await runSrop(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).catch((error: unknown) => {
  process.stderr.write(`srop: ${(error as Error).message}\n`);
  return 1;
});
// Dawn keeps native handles open; leave once the output has been flushed.
process.stdout.write('', () => process.exit(code));
