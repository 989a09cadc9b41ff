// A WebGPU device in Node through Dawn (the `webgpu` package), on SwiftShader where the machine has
// no GPU. GPU tests fail loudly when none can be had, unless SROP_SKIP_GPU_TESTS=1 says to skip them.
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export const skipGpuTests = process.env.SROP_SKIP_GPU_TESTS === '1';

export interface DawnDevice {
  device: GPUDevice;
  adapterName: string;
}

let pending: Promise<DawnDevice> | null = null;
// Dawn's GPU object must outlive its devices: once garbage-collected, the process crashes.
let keepAlive: GPU | null = null;

async function open(): Promise<DawnDevice> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]) as unknown as GPU;
  keepAlive = gpu;
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      'no WebGPU adapter through Dawn (install chromium for its SwiftShader Vulkan driver, or set VK_ICD_FILENAMES); ' +
        'set SROP_SKIP_GPU_TESTS=1 to skip the GPU tests',
    );
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    },
  });
  const info = adapter.info;
  return { device, adapterName: [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') || 'WebGPU adapter' };
}

/** One device per test file (Dawn start-up costs about a second). */
export function dawnDevice(): Promise<DawnDevice> {
  pending ??= open();
  return pending;
}
