import { describe, expect, it } from 'vitest';
import { decideBackend } from '../src/engine/select';

describe('decideBackend', () => {
  const hardware = { name: 'NVIDIA H100', isFallback: false };
  const software = { name: 'SwiftShader driver 5.0.0', isFallback: true };
  const none = { name: null, isFallback: false, missingReason: 'no navigator.gpu' };

  it('auto takes the GPU on a hardware adapter only', () => {
    expect(decideBackend('auto', hardware).backend).toBe('gpu');
    expect(decideBackend('auto', software)).toMatchObject({ backend: 'cpu' });
    expect(decideBackend('auto', software).reason).toContain('software');
    expect(decideBackend('auto', none)).toMatchObject({ backend: 'cpu', reason: 'CPU engine: no navigator.gpu' });
    expect(decideBackend('auto', none).warning).toBeUndefined();
  });

  it('gpu takes any adapter, and warns when there is none', () => {
    expect(decideBackend('gpu', software).backend).toBe('gpu');
    expect(decideBackend('gpu', hardware).backend).toBe('gpu');
    const fallback = decideBackend('gpu', none);
    expect(fallback.backend).toBe('cpu');
    expect(fallback.warning).toContain('no navigator.gpu');
  });

  it('cpu is always the CPU', () => {
    expect(decideBackend('cpu', hardware).backend).toBe('cpu');
  });
});
