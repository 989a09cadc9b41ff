// WebGPU in Node through Dawn (the `webgpu` package): the `GPU` object the engine is given.
// On a machine with a GPU, Dawn finds the system's Vulkan driver. Without one, Chromium's
// SwiftShader ICD (Debian's chromium package) gives a software adapter, which only
// `--backend gpu` asks for (a software adapter is slower than the CPU engine).

import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeGpu {
  gpu: GPU;
  adapter: GPUAdapter;
}

/** Dawn's GPU objects must outlive their devices: once garbage-collected, the process crashes. */
const liveGpus: GPU[] = [];

async function firstAdapter(): Promise<NodeGpu | null> {
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]) as unknown as GPU;
  liveGpus.push(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { gpu, adapter } : null;
}

/**
 * A WebGPU adapter for Node, or the reason there is none. With `allowSoftware`, when the system
 * offers no adapter and the user has not chosen an ICD, SwiftShader is tried.
 */
export async function nodeAdapter(allowSoftware: boolean): Promise<NodeGpu | { missingReason: string }> {
  let found: NodeGpu | null;
  try {
    found = await firstAdapter();
  } catch (error) {
    return { missingReason: `WebGPU for Node (the webgpu package) could not start: ${(error as Error).message}` };
  }
  if (found) return found;
  if (allowSoftware && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    found = await firstAdapter().catch(() => null);
    if (found) return found;
  }
  return { missingReason: 'no WebGPU adapter (Dawn found no usable Vulkan device)' };
}
