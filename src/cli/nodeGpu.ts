// WebGPU in Node through Dawn (the `webgpu` package): the `GPU` object the engine is given.
// On a machine with a GPU, Dawn finds the system's Vulkan driver. Without one, Chromium's
// SwiftShader ICD (Debian's chromium package) gives a software adapter, which only
// `--backend gpu` asks for (a software adapter is slower than the CPU engine).

import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeGpu {
  gpu: GPU;
  adapter: GPUAdapter;
}

/** Dawn's GPU objects must outlive their devices: once garbage-collected, the process crashes. */
const liveGpus: GPU[] = [];

/**
 * Dawn's Vulkan loader (through libwayland) prints "error: XDG_RUNTIME_DIR is invalid or not set"
 * to the process's stderr when the variable names no private directory of this user; the command's
 * stderr is for its own messages. When it is unset or unusable, a private one (mode 0700) is made
 * in the temporary folder, before Dawn is loaded. Returns the directory in use.
 */
export function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR && privateDir(env.XDG_RUNTIME_DIR)) return env.XDG_RUNTIME_DIR;
  // One per user, kept between runs; a fresh one when someone else's or a loose one is in the way.
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  let dir = join(tmpdir(), `srop-runtime-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // Exists already: checked below.
  }
  if (!privateDir(dir)) dir = mkdtempSync(join(tmpdir(), 'srop-runtime-'));
  env.XDG_RUNTIME_DIR = dir;
  return dir;
}

function privateDir(path: string): boolean {
  try {
    const info = statSync(path);
    const own = typeof process.getuid !== 'function' || info.uid === process.getuid();
    return info.isDirectory() && own && (info.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

async function firstAdapter(): Promise<NodeGpu | null> {
  ensureRuntimeDir();
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
