import { describe, expect, it } from 'vitest';
import { parseArgs, subcommandOf, UsageError } from '../src/cli/args';
import { parseRunArgs } from '../src/cli/runModel';

describe('srop options', () => {
  it('has the documented defaults', () => {
    expect(parseArgs(['a.npz'])).toMatchObject({
      command: 'maps', files: ['a.npz'], kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true,
      paired: true, layout: 'auto', backend: 'auto', threads: null, format: 'csv', out: null,
    });
  });

  it('reads every option, in both spellings', () => {
    const o = parseArgs(['compare', '--kappa', '0.9', '--dc=remove', '--domain', 'full', '--no-interpolate',
      '--layout', 'nhwc', '--backend=cpu', '--format', 'json', '--out', 'x.json', '--unpaired', 'a.npz', 'b.npz']);
    expect(o).toMatchObject({ command: 'compare', files: ['a.npz', 'b.npz'], kappa: 0.9, dc: 'remove', domain: 'full',
      interpolate: false, paired: false, layout: 'nhwc', backend: 'cpu', format: 'json', out: 'x.json' });
  });

  it.each([
    [['--kappa', '1', 'a.npy'], /--kappa/],
    [['--kappa', '0', 'a.npy'], /--kappa/],
    [['--kappa', 'x', 'a.npy'], /--kappa/],
    [['--kappa'], /--kappa/],
    [['--dc', 'drop', 'a.npy'], /--dc must be one of keep, remove/],
    [['--bogus', 'a.npy'], /unknown option --bogus/],
    [[], /no input file/],
    [['compare', 'a.npz'], /exactly two files/],
    [['--format', 'xml', 'a.npy'], /--format/],
    [['--threads', '-1', 'a.npy'], /--threads must be a whole number from 0 to 256, not "-1"/],
    [['--threads', '1.5', 'a.npy'], /--threads must be a whole number/],
    [['--threads', '', 'a.npy'], /--threads must be a whole number/],
    [['--threads', '300', 'a.npy'], /--threads must be a whole number from 0 to 256/],
    [['a.npy', '--threads'], /--threads must be a whole number/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseArgs(argv as string[])).toThrow(message);
  });

  it('takes compare as the first argument that is not an option, wherever it stands', () => {
    expect(parseArgs(['--backend', 'cpu', 'compare', 'a.npz', 'b.npz'])).toMatchObject({ command: 'compare', backend: 'cpu', files: ['a.npz', 'b.npz'] });
    expect(parseArgs(['--kappa=0.9', '--format', 'json', 'compare', '--dc', 'remove', 'a.npz', 'b.npz'])).toMatchObject({ command: 'compare', files: ['a.npz', 'b.npz'], format: 'json', dc: 'remove' });
    // an option's value is not the subcommand, and neither is a later file named compare
    expect(parseArgs(['--out', 'compare', 'a.npz'])).toMatchObject({ command: 'maps', out: 'compare', files: ['a.npz'] });
    expect(parseArgs(['a.npz', 'compare'])).toMatchObject({ command: 'maps', files: ['a.npz', 'compare'] });
    expect(() => parseArgs(['--backend', 'cpu', 'compare', 'a.npz'])).toThrow(/exactly two files/);
  });

  it('reads --threads, 0 included', () => {
    expect(parseArgs(['--threads', '3', 'a.npy']).threads).toBe(3);
    expect(parseArgs(['--threads=0', 'a.npy']).threads).toBe(0);
  });

  it('lets --help through without files', () => {
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it('reads --session and --session-max-mb (default 200), in both spellings; the value is no file', () => {
    expect(parseArgs(['a.npz'])).toMatchObject({ session: null, sessionMaxMb: 200 });
    expect(parseArgs(['--session', 's.srop.zip', 'a.npz', '--session-max-mb=12.5'])).toMatchObject({ files: ['a.npz'], session: 's.srop.zip', sessionMaxMb: 12.5 });
    expect(parseArgs(['--session=s.zip', '--session-max-mb', '0', 'compare', 'a.npz', 'b.npz'])).toMatchObject({ command: 'compare', session: 's.zip', sessionMaxMb: 0 });
    // The subcommand is found past --session's value; run passes --session on without taking its value as an image.
    expect(subcommandOf(['--session', 'run', 'run', '--model', 'm.onnx', 'x.png'])).toBe('run');
    const run = parseRunArgs(['run', '--model', 'm.onnx', '--session', 'out.srop.zip', 'images', '--session-max-mb', '3']);
    expect(run.images).toEqual(['images']);
    expect(run.common).toMatchObject({ session: 'out.srop.zip', sessionMaxMb: 3 });
    expect(() => parseRunArgs(['run', '--model', 'm.onnx', 'images', '--shard', '1/4', '--session', 's.zip'])).toThrow(/--session does not go with --shard/);
  });
});
