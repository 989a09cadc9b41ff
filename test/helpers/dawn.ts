// A WebGPU device in Node through Dawn (the `webgpu` package): the system's adapter when it has one,
// Chromium's SwiftShader otherwise (as `srop --backend gpu` finds it, src/cli/nodeGpu.ts). GPU tests
// fail loudly when no adapter can be had, unless SROP_SKIP_GPU=1 says to skip them
// (test/helpers/prerequisites.ts).
import { nodeAdapter } from '../../src/cli/nodeGpu';
import { adapterIsFallback, adapterName } from '../../src/engine/host';
import { requestEngineDevice } from '../../src/engine/gpu/device';
import { orSkip, skipping } from './prerequisites';

/** True when the user has set SROP_SKIP_GPU=1 (said on stderr). */
export const skipGpuTests = skipping('gpu');
/** Appended to the title of a GPU test group, so that a skipped group says why. */
export const gpuSkipNote = skipGpuTests ? ' [skipped: SROP_SKIP_GPU=1]' : '';

export interface DawnDevice {
  device: GPUDevice;
  adapterName: string;
  isFallback: boolean;
}

let pending: Promise<DawnDevice> | null = null;

async function open(): Promise<DawnDevice> {
  const found = await nodeAdapter(true);
  if (!('adapter' in found)) {
    throw new Error(
      `no WebGPU adapter through Dawn: ${found.missingReason}. Install chromium (its SwiftShader Vulkan driver) and ` +
        `libvulkan1, or set VK_ICD_FILENAMES; ${orSkip('gpu')}`,
    );
  }
  const { adapter } = found;
  const device = await requestEngineDevice(adapter, 'srop test device');
  return { device, adapterName: adapterName(adapter), isFallback: adapterIsFallback(adapter) };
}

/** One device per test file (Dawn start-up costs about a second). */
export function dawnDevice(): Promise<DawnDevice> {
  pending ??= open();
  return pending;
}
