// Command-line options of `srop`, parsed without a library so that every message is ours.

import type { LayoutChoice } from '../io/types';
import type { BackendChoice } from '../engine/types';

export interface CliOptions {
  command: 'maps' | 'compare';
  files: string[];
  kappa: number;
  dc: 'keep' | 'remove';
  domain: 'disc' | 'full';
  interpolate: boolean;
  /** compare: test inputs paired (Wilcoxon) when both sides hold as many; false: --unpaired (Mann-Whitney). */
  paired: boolean;
  layout: LayoutChoice;
  backend: BackendChoice;
  /** Worker threads of the CPU engine beside the command's own thread; 0: that thread alone; null: cores - 2, at least 0. */
  threads: number | null;
  format: 'csv' | 'json';
  out: string | null;
  /** Every layer's layout and its reason on stderr (otherwise one line per file). */
  verbose: boolean;
  /** --session: also write a session file (the page opens it with "Open session"); null: none. */
  session: string | null;
  /** --session-max-mb: the activation files' bytes a session keeps, in all (in MB, 10^6 bytes). */
  sessionMaxMb: number;
  help: boolean;
}

/** The default of --session-max-mb. */
export const SESSION_MAX_MB = 200;

export class UsageError extends Error {}

export const USAGE = `Usage:
  srop [options] <file ...>          per-map SROPs of every layer of every file
  srop compare [options] <A> <B>     per-layer A-vs-B statistics (A and B: one file each)
  srop run --model <m.onnx> [options] <images ...>   a model over images (srop run --help)
  srop merge <part.json ...> --out <all.json>        joins the shards of srop run --shard K/N

Files: .npy (one layer, named by the file), .npz (one layer per member, in archive order),
.safetensors (one layer per tensor, in data-offset order), .pt/.pth/.bin written by torch.save
(one layer per tensor of a dict, OrderedDict, list or tuple; nested names dotted), .h5/.hdf5
(one layer per dataset of 2 to 4 axes, named by its path). Arrays are [N,C,H,W] or [N,H,W,C]
(4-D), one input [C,H,W] or [H,W,C] (3-D), or one map [H,W] (2-D).

Options:
  --kappa <0..1>            share of the kept spectral energy inside the roll-off radius (0.85)
  --dc keep|remove          keep the zero-frequency bin, or remove the map's mean first (keep)
  --domain disc|full        count only bins inside the Nyquist disc, or every bin (disc)
  --no-interpolate          report the roll-off ring's centre instead of interpolating inside it
  --layout nchw|nhwc|auto   how 4-D and 3-D arrays are laid out; auto guesses and says why on
                            stderr, one line per file (auto)
  -v, --verbose             one layout line per layer, with its reason
  --backend auto|gpu|cpu    auto: the GPU engine on a hardware WebGPU adapter, the CPU engine when
                            there is none or only a software one; gpu: the GPU engine on any
                            adapter (SwiftShader included), the CPU with a warning when there is
                            none; cpu: the float64 CPU engine (auto)
  --unpaired                compare: test the inputs as two independent sets (Mann-Whitney U)
                            even when A and B hold as many inputs (paired: Wilcoxon signed-rank)
  --threads <n>             worker threads of the CPU engine beside the command's own thread,
                            which computes too (default: the cores the process may use minus
                            two, at least none); 0 runs it on the command's own thread alone.
                            The results are the same, bit for bit, whatever n is
  --format csv|json         output format (csv)
  --out <path>              write to a file instead of standard output
  --session <out.srop.zip>  also write a session file: the parameters, every layer's ring profiles
                            and the files themselves; the page opens it with "Open session"
  --session-max-mb <n>      the files' bytes a session keeps, in all (200); files past it are
                            listed with their size, to be picked again in the page
  -h, --help                this text

Output (srop), CSV: layer,input,channel,height,width,srop,ring,energy,status,file
  one row per map; input and channel 0-based; srop is the roll-off radius over the Nyquist
  radius (1.0 = Nyquist); ring the roll-off ring; energy the kept spectral energy T; status
  ok|dead|nonfinite; srop and ring empty when the map has no SROP; file the file read.
Output (compare), CSV: layer,channels,dead_a,dead_b,median_a,median_b,delta_median,wasserstein,
  ks,paired_median_delta,share_rising,inputs_a,inputs_b,test,input_median_delta,p_value,p_holm
  layers matched by name; differences are B - A; dead_a/dead_b count maps with no SROP. The
  first columns pool every map of a side; the last six are across inputs (the batch axis): each
  input is its channels' median SROP; test wilcoxon (paired: same input counts, no --unpaired),
  mann-whitney, or none (fewer than 3 inputs); two-sided p_value, p_holm adjusted over the layers.
JSON: {"app", "version", "params", "backend", "adapter", "files", "layers": [...]}, see spec/SROP.md section 8.

The engine that ran is reported on stderr ("srop: backend ...") and in the JSON output.
Exit status: 0 on success; 2 for bad options or when any file or layer could not be read (the
other files are still processed, one line "srop: <file>: <reason>" per problem on stderr).
The definition is spec/SROP.md in the repository (numpy reference: spec/srop_ref.py).`;

const VALUE_OPTIONS = new Set(['--kappa', '--dc', '--domain', '--layout', '--backend', '--format', '--out', '--model', '--outputs', '--size', '--channels', '--mean', '--std', '--shard', '--session', '--session-max-mb']);

/**
 * `run` or `merge` when that is the first argument that is not an option or an option's value
 * (those subcommands parse their own arguments: runModel.ts, merge.ts); null otherwise.
 */
export function subcommandOf(argv: readonly string[]): 'run' | 'merge' | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return null;
    if (arg.startsWith('-') && arg !== '-') {
      if (VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    return arg === 'run' || arg === 'merge' ? arg : null;
  }
  return null;
}

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`${flag} needs a value (${allowed.join('|')})`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value as T;
}

export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    command: 'maps',
    files: [],
    kappa: 0.85,
    dc: 'keep',
    domain: 'disc',
    interpolate: true,
    paired: true,
    layout: 'auto',
    backend: 'auto',
    threads: null,
    format: 'csv',
    out: null,
    verbose: false,
    session: null,
    sessionMaxMb: SESSION_MAX_MB,
    help: false,
  };
  let maxMbGiven = false;
  const args = [...argv];
  // The subcommand is the first argument that is not an option or an option's value
  // (`srop --backend cpu compare A B`); a file named "compare" can be given as ./compare.
  let positionals = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      options.files.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (positionals++ === 0 && arg === 'compare') options.command = 'compare';
      else options.files.push(arg);
      continue;
    }
    let flag = arg;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    const takesValue = () => {
      if (value === undefined) {
        value = args[i + 1];
        if (value !== undefined) i++;
      }
      return value;
    };
    if (arg.startsWith('--') && eq > 0) {
      flag = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    }
    switch (flag) {
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '-v':
      case '--verbose':
        options.verbose = true;
        break;
      case '--kappa': {
        const text = takesValue();
        const kappa = Number(text);
        if (text === undefined || text.trim() === '' || !Number.isFinite(kappa) || kappa <= 0 || kappa >= 1) {
          throw new UsageError(`--kappa must be a number strictly between 0 and 1, not "${text ?? ''}"`);
        }
        options.kappa = kappa;
        break;
      }
      case '--dc':
        options.dc = choice(flag, takesValue(), ['keep', 'remove'] as const);
        break;
      case '--domain':
        options.domain = choice(flag, takesValue(), ['disc', 'full'] as const);
        break;
      case '--no-interpolate':
        options.interpolate = false;
        break;
      case '--interpolate':
        options.interpolate = true;
        break;
      case '--unpaired':
        options.paired = false;
        break;
      case '--layout':
        options.layout = choice(flag, takesValue(), ['nchw', 'nhwc', 'auto'] as const);
        break;
      case '--backend':
        options.backend = choice(flag, takesValue(), ['auto', 'gpu', 'cpu'] as const);
        break;
      case '--threads': {
        const text = takesValue();
        const threads = Number(text);
        if (text === undefined || !/^\d+$/.test(text.trim()) || !Number.isSafeInteger(threads) || threads > 256) {
          throw new UsageError(`--threads must be a whole number from 0 to 256, not "${text ?? ''}"`);
        }
        options.threads = threads;
        break;
      }
      case '--format':
        options.format = choice(flag, takesValue(), ['csv', 'json'] as const);
        break;
      case '--out': {
        const out = takesValue();
        if (!out) throw new UsageError('--out needs a path');
        options.out = out;
        break;
      }
      case '--session': {
        const path = takesValue();
        if (!path) throw new UsageError('--session needs a path (the session file to write, e.g. out.srop.zip)');
        options.session = path;
        break;
      }
      case '--session-max-mb': {
        const text = takesValue();
        const mb = Number(text);
        if (text === undefined || text.trim() === '' || !Number.isFinite(mb) || mb < 0) {
          throw new UsageError(`--session-max-mb must be a number of megabytes, 0 or more, not "${text ?? ''}"`);
        }
        options.sessionMaxMb = mb;
        maxMbGiven = true;
        break;
      }
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (options.help) return options;
  if (maxMbGiven && !options.session) throw new UsageError('--session-max-mb goes with --session <path> (the session file it bounds)');
  if (options.session && options.out && options.session === options.out) throw new UsageError(`--session and --out name the same file (${options.out})`);
  if (options.command === 'compare' && options.files.length !== 2) {
    throw new UsageError(`compare takes exactly two files, A and B (got ${options.files.length})`);
  }
  if (options.files.length === 0) throw new UsageError('no input file given');
  return options;
}
