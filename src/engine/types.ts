// The engine contract: for a layer, every map's ring-energy profile (spec/SROP.md §2 steps 2-7, §3),
// kept in a form from which any (kappa, dc, domain, interpolate) is answered without another FFT.

import type { Layer } from '../io/types';

/**
 * Ring-energy profiles of `maps` maps of one H x W shape, flat and map-major.
 * Energies are |DFT2|^2 summed over the full spectrum (half-spectrum columns weighted as spec/SROP.md
 * §2 step 2 says), without normalisation.
 */
export interface RingProfiles {
  height: number;
  width: number;
  maps: number;
  /** Ring slots per map: the largest ring index of any bin of the full spectrum, plus one. */
  rings: number;
  /** maps x rings: energy per ring of the bins inside the Nyquist disc, the DC bin excluded. */
  inDisc: Float64Array;
  /** maps x rings: energy per ring of the bins outside the disc. */
  outDisc: Float64Array;
  /** Energy of the DC bin, |sum of the map|^2 (ring 0; always inside the disc). */
  dc: Float64Array;
  /** Sum of squares of the map's values (for the dead-map test, spec/SROP.md §2 step 7). */
  sumSquares: Float64Array;
  /** 1 where the map holds a NaN or an infinity. */
  nonFinite: Uint8Array;
}

export type BackendName = 'cpu' | 'gpu';
export type BackendChoice = BackendName | 'auto';

export interface ProfileOptions {
  signal?: AbortSignal;
  /** Called as maps are done: (maps done, maps in the layer). */
  onProgress?: (done: number, total: number) => void;
}

/** One contract, two implementations (CPU float64, WebGPU float32). */
export interface ProfileEngine {
  readonly backend: BackendName;
  /** Adapter description for the GPU engine; null for the CPU engine. */
  readonly adapter: string | null;
  profileLayer(layer: Layer, options?: ProfileOptions): Promise<RingProfiles>;
  /** Profiles of maps already in memory (count x H x W float32, row-major). */
  profileMaps(data: Float32Array, count: number, height: number, width: number, options?: ProfileOptions): Promise<RingProfiles>;
  /**
   * |DFT2|^2 of one map in natural order (H x W, row-major), for the channel view; non-finite
   * values count as zeros.
   */
  powerSpectrum(map: Float32Array, height: number, width: number): Promise<Float64Array>;
  /**
   * True once the engine can no longer work (destroyed, or its GPU device lost): a failure then is
   * an interruption by its owner, not the layer's fault, and the work belongs on the next engine.
   */
  readonly released: boolean;
  /**
   * True when calls for two layers may run side by side to advantage (the CPU engine's pool: its
   * workers would otherwise wait while the caller finishes one layer and starts the next).
   */
  readonly overlapsLayers?: boolean;
  destroy(): void;
}
