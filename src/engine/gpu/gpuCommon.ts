// Shared pieces of the GPU stages: pipelines cached per device (keyed by everything that changes
// the code), storage buffers, and dispatches of any size within the 65535-workgroup limit. Uniform
// buffers are in uniforms.ts, the shaders' sources in shaders.ts.

import { storedBytes } from './bufferCost';
import type { ShaderSource } from './shaders';

export const WORKGROUP = 64;
const MAX_GROUPS_PER_DIMENSION = 65535;

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
const modules = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();

function shaderModule(device: GPUDevice, label: string, code: string): GPUShaderModule {
  let byDevice = modules.get(device);
  if (!byDevice) modules.set(device, (byDevice = new Map()));
  let module = byDevice.get(label);
  if (!module) {
    module = device.createShaderModule({ label, code });
    byDevice.set(label, module);
  }
  return module;
}

/** The compute pipeline of `entryPoint` in shader `label` with these override constants, built once per device. */
export function computePipeline(device: GPUDevice, shader: ShaderSource, entryPoint = 'main', constants: Record<string, number> = {}): GPUComputePipeline {
  const { label, code } = shader;
  const key = `${label}:${entryPoint}:${Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(',')}`;
  let byDevice = pipelines.get(device);
  if (!byDevice) pipelines.set(device, (byDevice = new Map()));
  let pipeline = byDevice.get(key);
  if (!pipeline) {
    pipeline = device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module: shaderModule(device, label, code), entryPoint, constants: { WORKGROUP, ...constants } },
    });
    byDevice.set(key, pipeline);
  }
  return pipeline;
}

/** A read-only storage buffer with this content (storedBytes(values.byteLength) bytes). */
export function storageBuffer(device: GPUDevice, label: string, values: Float32Array | Uint32Array): GPUBuffer {
  const size = storedBytes(values.byteLength);
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  const view = values instanceof Float32Array ? new Float32Array(buffer.getMappedRange()) : new Uint32Array(buffer.getMappedRange());
  view.set(values);
  buffer.unmap();
  return buffer;
}

/** `groups` workgroups spread over x and y within the per-dimension limit (shaders rebuild the index from num_workgroups). */
export function groupGrid(groups: number): [number, number] {
  if (groups <= MAX_GROUPS_PER_DIMENSION) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / MAX_GROUPS_PER_DIMENSION);
  return [Math.ceil(groups / y), y];
}

/** Workgroup counts for `invocations` invocations, spread over x and y. */
export function workgroups(invocations: number): [number, number] {
  return groupGrid(Math.ceil(invocations / WORKGROUP));
}

/** One bound dispatch: what a stage records into a compute pass. */
export interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  invocations: number;
}

export function bind(device: GPUDevice, label: string, pipeline: GPUComputePipeline, buffers: GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: Dispatch[]): void {
  for (const d of dispatches) {
    if (d.invocations === 0) continue;
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    const [x, y] = workgroups(d.invocations);
    pass.dispatchWorkgroups(x, y);
  }
}
