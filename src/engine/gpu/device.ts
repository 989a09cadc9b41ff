// The GPUDevice the GPU engine runs on, made one way wherever one is made (the engine host in the
// page and the command, the Node tests through Dawn, the engine check page), and how its loss is told.

/**
 * Limits asked of the adapter at their adapter's own values: the engine sizes its chunks within
 * the buffer limits (GpuEngine.chunkMaps), so the larger they are, the fewer the chunks; the
 * workgroup limits are the adapter's so that nothing the shaders may ask is held back.
 */
export const ENGINE_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/** A device from `adapter` with the ENGINE_LIMITS at the adapter's values. */
export function requestEngineDevice(adapter: GPUAdapter, label = 'srop device'): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const limit of ENGINE_LIMITS) requiredLimits[limit] = adapter.limits[limit];
  return adapter.requestDevice({ label, requiredLimits });
}

/** Why a device was lost, in words: the browser's message, else its reason. */
export function lossReason(info: GPUDeviceLostInfo): string {
  return info.message || info.reason || 'lost';
}

/** How a lost device is told, in the engine's errors and the host's notices. */
export function deviceLostMessage(why: string): string {
  return `the GPU device was lost (${why})`;
}
