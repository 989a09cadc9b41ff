// One layer on the engine of the moment, when that engine goes away under it: the command runs the
// layer again on the new engine (once), the page hands it back to its queue; a file's own error is
// never blamed on the engine.
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../src/engine/cpuEngine';
import { profileWithRecovery, type RecoveryPolicy } from '../src/engine/recovery';
import type { ProfileEngine } from '../src/engine/types';
import { memoryLayer } from '../src/io/memoryLayer';
import { ActivationFileError, type Layer } from '../src/io/types';

const layer = memoryLayer('relu', 'maps.npz', { dims: [1, 2, 5, 7], data: Float32Array.from({ length: 70 }, (_, i) => Math.sin(i)) });

/** An engine whose every call fails, and that is released by its failure (a lost device). */
function lostEngine(): ProfileEngine {
  const engine = {
    backend: 'gpu',
    released: false,
    async profileLayer(): Promise<never> {
      engine.released = true;
      throw new Error('device lost');
    },
  };
  return engine as unknown as ProfileEngine;
}

function policy(first: ProfileEngine, retries: number): RecoveryPolicy & { asked: number } {
  let current = first;
  const p = {
    asked: 0,
    retries,
    engine: () => current,
    replaced: async (failed: ProfileEngine) => {
      p.asked++;
      if (!failed.released) return null;
      if (current === failed) current = new CpuEngine();
      return 'the GPU device was lost';
    },
  };
  return p;
}

describe('profileWithRecovery', () => {
  it('runs the layer again on the new engine when it may (the command), giving the same profiles', async () => {
    const p = policy(lostEngine(), 1);
    const outcome = await profileWithRecovery(layer, p);
    expect(outcome.kind).toBe('done');
    expect(outcome.retried.map((r) => r.reason)).toEqual(['the GPU device was lost']);
    const direct = await new CpuEngine().profileLayer(layer);
    if (outcome.kind === 'done') expect(Array.from(outcome.profiles.sumSquares)).toEqual(Array.from(direct.sumSquares));
  });

  it('hands the layer back, not failed, when it may not retry (the page)', async () => {
    const outcome = await profileWithRecovery(layer, policy(lostEngine(), 0));
    expect(outcome).toMatchObject({ kind: 'replaced', reason: 'the GPU device was lost', retried: [] });
  });

  it('a file that cannot be read fails on its own, without asking about the engine', async () => {
    const broken: Layer = { ...layer, readMaps: async () => { throw new ActivationFileError('maps.npz', 'truncated', 'member relu.npy'); } };
    const p = policy(new CpuEngine(), 1);
    const outcome = await profileWithRecovery(broken, p);
    expect(outcome.kind).toBe('failed');
    expect(p.asked).toBe(0);
  });

  it('an engine that fails on its own (not replaced) fails the layer', async () => {
    class Failing extends CpuEngine {
      override async profileLayer(): Promise<never> {
        throw new Error('out of memory');
      }
    }
    const outcome = await profileWithRecovery(layer, policy(new Failing(), 1));
    expect(outcome).toMatchObject({ kind: 'failed' });
    if (outcome.kind === 'failed') expect((outcome.error as Error).message).toBe('out of memory');
  });
});
