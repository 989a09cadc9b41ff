// The one owner of the GPUDevice, in the page and in the command: finds the adapter, decides the
// engine (select.ts), creates the device and the engine, and turns device loss into state with a
// recovery (a new device and engine; the caller recomputes what it needs).

import type { BackendChoice, ProfileEngine } from './types';
import { decideBackend, type AdapterFacts, type BackendDecision } from './select';
import { CpuEngine } from './cpuEngine';
import { GpuEngine } from './gpu/gpuEngine';
import { deviceLostMessage, lossReason, requestEngineDevice } from './gpu/device';

export type HostStatus = 'ready' | 'recovering' | 'failed';

export interface HostState {
  choice: BackendChoice;
  adapter: AdapterFacts;
  decision: BackendDecision;
  status: HostStatus;
  /** Something the user should know: a lost device and its recovery, a GPU error. */
  notice: string | null;
  /** Bumped whenever the engine is replaced, so that callers know to recompute. */
  generation: number;
}

export function adapterName(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info?.description, info?.vendor, info?.architecture, info?.device].filter((p): p is string => !!p && p.length > 0);
  const name = parts.length > 0 ? (info?.description ? info.description : parts.join(' ')) : 'WebGPU adapter';
  return name;
}

export function adapterIsFallback(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return Boolean(info?.isFallbackAdapter ?? legacy);
}

export interface HostOptions {
  /** `navigator.gpu` in the page, Dawn's GPU object in Node; undefined where there is none. */
  gpu?: GPU;
  /** Why there is no `gpu`, for the notice (default: "no navigator.gpu"). */
  missingReason?: string;
  /**
   * An adapter already found (the command finds its own through Dawn). With `gpu` too, a recovery
   * asks `gpu` for a fresh adapter.
   */
  adapter?: GPUAdapter | null;
  /** GPU memory bound for the GPU engine, bytes. */
  gpuMemoryBound?: number;
  /**
   * Makes the CPU engine whenever the host runs it: the page's and the command's pool of workers
   * (cpuPool.ts). Default: the single-threaded CpuEngine on the calling thread.
   */
  cpuEngine?: () => ProfileEngine;
}

export class EngineHost {
  private listeners = new Set<(state: HostState) => void>();
  private gpuAdapter: GPUAdapter | null = null;
  private device: GPUDevice | null = null;
  private current: ProfileEngine;
  private stateValue: HostState;
  /** The recovery under way after a loss, if any. */
  private recovery: Promise<void> | null = null;

  private constructor(private readonly options: HostOptions, choice: BackendChoice) {
    this.current = this.cpuEngine();
    const adapter: AdapterFacts = { name: null, isFallback: false, missingReason: options.missingReason ?? 'no navigator.gpu' };
    this.stateValue = { choice, adapter, decision: decideBackend(choice, adapter), status: 'ready', notice: null, generation: 0 };
  }

  static async start(options: HostOptions, choice: BackendChoice = 'auto'): Promise<EngineHost> {
    const host = new EngineHost(options, choice);
    await host.findAdapter();
    await host.apply(choice);
    return host;
  }

  private cpuEngine(): ProfileEngine {
    return this.options.cpuEngine?.() ?? new CpuEngine();
  }

  get state(): HostState {
    return this.stateValue;
  }

  get engine(): ProfileEngine {
    return this.current;
  }

  subscribe(listener: (state: HostState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(patch: Partial<HostState>): void {
    this.stateValue = { ...this.stateValue, ...patch };
    for (const listener of this.listeners) listener(this.stateValue);
  }

  private async findAdapter(): Promise<void> {
    if (this.options.adapter !== undefined) {
      this.gpuAdapter = this.options.adapter;
    } else if (this.options.gpu) {
      try {
        this.gpuAdapter = await this.options.gpu.requestAdapter({ powerPreference: 'high-performance' });
      } catch (error) {
        this.gpuAdapter = null;
        this.stateValue.adapter = { name: null, isFallback: false, missingReason: `requestAdapter failed: ${(error as Error).message}` };
        return;
      }
    }
    this.stateValue.adapter = this.gpuAdapter
      ? { name: adapterName(this.gpuAdapter), isFallback: adapterIsFallback(this.gpuAdapter) }
      : { name: null, isFallback: false, missingReason: this.options.gpu || this.options.adapter === null ? 'no WebGPU adapter' : (this.options.missingReason ?? 'no navigator.gpu') };
  }

  /** Switch engine by the user's choice (auto, gpu, cpu). */
  async setChoice(choice: BackendChoice): Promise<void> {
    await this.apply(choice);
  }

  private async apply(choice: BackendChoice): Promise<void> {
    let decision = decideBackend(choice, this.stateValue.adapter);
    let notice: string | null = decision.warning ?? null;
    this.releaseEngine();
    if (decision.backend === 'gpu' && this.gpuAdapter) {
      try {
        this.current = await this.createGpuEngine();
      } catch (error) {
        const why = `the GPU device could not be created (${(error as Error).message})`;
        decision = { backend: 'cpu', reason: `CPU engine: ${why}`, warning: why };
        notice = `GPU engine unavailable: ${why}; running the CPU engine`;
        this.current = this.cpuEngine();
      }
    } else {
      this.current = this.cpuEngine();
    }
    this.publish({ choice, decision, notice, status: 'ready', generation: this.stateValue.generation + 1 });
  }

  private async createGpuEngine(): Promise<ProfileEngine> {
    const adapter = this.gpuAdapter!;
    const device = await requestEngineDevice(adapter);
    this.device = device;
    device.lost.then((info) => {
      if (this.device !== device || info.reason === 'destroyed') return;
      void this.recover(deviceLostMessage(lossReason(info)));
    });
    device.addEventListener('uncapturederror', (event) => {
      const message = (event as GPUUncapturedErrorEvent).error.message;
      this.publish({ notice: `GPU error: ${message}` });
    });
    return new GpuEngine(device, this.stateValue.adapter.name ?? 'WebGPU adapter', { memoryBound: this.options.gpuMemoryBound });
  }

  /** A new device and engine after a loss; falls back to the CPU engine if that fails too. */
  async recover(why: string): Promise<void> {
    const run = this.replaceLostEngine(why);
    this.recovery = run;
    try {
      await run;
    } finally {
      if (this.recovery === run) this.recovery = null;
    }
  }

  /**
   * Settles once no recovery is under way. A loss is signalled through `device.lost`, which may
   * settle just after the call that failed because of it: one turn of the event loop lets it in.
   */
  async settled(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.recovery) await this.recovery;
  }

  private async replaceLostEngine(why: string): Promise<void> {
    this.publish({ status: 'recovering', notice: `${why}; starting a new device` });
    this.releaseEngine();
    try {
      // An adapter that has given out a device may be consumed: ask for a fresh one (the page's
      // navigator.gpu, or the command's Dawn GPU object).
      if (this.options.gpu) this.gpuAdapter = await this.options.gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!this.gpuAdapter) throw new Error('no adapter');
      this.current = await this.createGpuEngine();
      this.publish({ status: 'ready', notice: `${why}; recovered on a new device`, generation: this.stateValue.generation + 1 });
    } catch (error) {
      this.current = this.cpuEngine();
      const decision = { backend: 'cpu' as const, reason: `CPU engine: ${why}, and no new device (${(error as Error).message})` };
      this.publish({ status: 'failed', decision, notice: `${why}; no new GPU device, running the CPU engine`, generation: this.stateValue.generation + 1 });
    }
  }

  /** For tests and the "simulate device loss" control: destroy the device as a loss would. */
  loseDeviceForTesting(): void {
    const device = this.device;
    if (!device) return;
    // destroy() reports reason 'destroyed', which a real loss does not: recover explicitly.
    this.device = null;
    device.destroy();
    void this.recover(deviceLostMessage('simulated'));
  }

  private releaseEngine(): void {
    this.current.destroy();
    if (this.device) {
      const device = this.device;
      this.device = null;
      device.destroy();
    }
  }

  destroy(): void {
    this.releaseEngine();
    this.listeners.clear();
  }
}
