// What some tests need from outside Node: python3 with numpy (the reference, spec/srop_ref.py) and
// a WebGPU adapter through Dawn (SwiftShader where there is no GPU). A test whose prerequisite is
// missing FAILS, with a message saying what to install. Only the user can say to skip such tests,
// with SROP_SKIP_NUMPY=1 or SROP_SKIP_GPU=1; they are then reported as skipped, and the reason is
// printed on stderr and kept as the skipped test's note.
import { execFileSync } from 'node:child_process';

const SKIP_VARIABLE = { numpy: 'SROP_SKIP_NUMPY', gpu: 'SROP_SKIP_GPU', clang: 'SROP_SKIP_CLANG' } as const;
const NEEDS = {
  numpy: 'python3 with numpy (the numpy reference, spec/srop_ref.py)',
  gpu: 'a WebGPU adapter through Dawn (SwiftShader where there is no GPU)',
  clang: 'clang-14 and wasm-ld-14 (to build the WebAssembly kernels, src/engine/wasm/engine.c, as the committed module was built)',
} as const;

export type Prerequisite = keyof typeof SKIP_VARIABLE;

const announced = new Set<Prerequisite>();

/** Whether the user has asked to skip the tests that need `what`; said once per test file on stderr. */
export function skipping(what: Prerequisite): boolean {
  const on = process.env[SKIP_VARIABLE[what]] === '1';
  if (on && !announced.has(what)) {
    announced.add(what);
    console.warn(`SKIPPED: ${skipReason(what)}`);
  }
  return on;
}

/** The note a skipped test carries. */
export function skipReason(what: Prerequisite): string {
  return `${SKIP_VARIABLE[what]}=1 is set: the tests that need ${NEEDS[what]} are skipped`;
}

/** How to get past a missing prerequisite, for failure messages. */
export function orSkip(what: Prerequisite): string {
  return `or set ${SKIP_VARIABLE[what]}=1 to skip the tests that need it`;
}

/** Throws, saying what to install, when `python3` cannot import numpy. */
export function requireNumpy(): void {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer; message: string };
    const why = e.code === 'ENOENT' ? 'there is no python3 on PATH' : (e.stderr?.toString().trim().split('\n').pop() ?? e.message);
    throw new Error(
      `this test needs ${NEEDS.numpy}, and ${why}. Install numpy (Debian: apt-get install python3-numpy; ` +
        `.ci/run does), ${orSkip('numpy')}.`,
    );
  }
}

/** Throws, saying what to install, when `python3` cannot import scipy (the statistics across inputs are checked against it). */
export function requireScipy(): void {
  requireNumpy();
  try {
    execFileSync('python3', ['-c', 'import scipy'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'this test needs python3 with scipy (scipy.stats.wilcoxon and mannwhitneyu answer the statistics across inputs), and python3 cannot import it. ' +
        `Install scipy (Debian: apt-get install python3-scipy; .ci/run does), ${orSkip('numpy')}.`,
    );
  }
}

/** Throws, saying what to install, without clang-14 and wasm-ld-14 (the committed WebAssembly module is compared with a fresh build). */
export function requireClang(): void {
  for (const tool of ['clang-14', 'wasm-ld-14']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'pipe' });
    } catch {
      throw new Error(`this test needs ${NEEDS.clang}, and there is no ${tool} on PATH. Install them (Debian: apt-get install clang-14 lld-14; .ci/run does), ${orSkip('clang')}.`);
    }
  }
}
