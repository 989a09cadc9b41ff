// Running an ONNX model with onnxruntime-web, everything served by the app itself (the WASM files
// are copied from the package into the site's ort/ folder by vite.config.ts). The execution
// provider follows the engine rule: WebGPU on a hardware adapter, WASM on a software one or none.

import * as ort from 'onnxruntime-web';
import { ModelError, type ParsedModel } from './onnxGraph';
import { floatOutputs, type OutputTensor } from './outputs';
import { runtimeMessage } from './runtimeMessage';

export { runtimeMessage };

export type ModelProvider = 'wasm' | 'webgpu';

let configured = false;

/** Points onnxruntime-web at the app's own copy of its WASM files (no CDN). */
export function configureRuntime(wasmBase: string): void {
  if (configured) return;
  configured = true;
  // Only the .wasm binary is fetched from the app's copy: its JavaScript glue is in the bundle,
  // and the dev server would refuse to serve a module from public/ for import().
  ort.env.wasm.wasmPaths = { wasm: `${wasmBase}ort-wasm-simd-threaded.jsep.wasm` };
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  ort.env.wasm.numThreads = isolated ? Math.min(4, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1) : 1;
  ort.env.logLevel = 'error';
  // The runtime works in a worker of its own (its proxy): compiling the WASM module and making a
  // session took the page's main thread for about 0.65 s in one piece when the demo first loaded.
  // The worker is sent copies (see ModelSession): what goes to it is transferred, not copied.
  ort.env.wasm.proxy = typeof Worker !== 'undefined';
}

export type { OutputTensor };

let runCount = 0;
/** Model runs (sessions created and runs) since the page opened: the tests count them (a restore makes none). */
export function modelRunCount(): number {
  return runCount;
}

/** One inference session of a model with chosen extra outputs. */
export class ModelSession {
  private constructor(private readonly session: ort.InferenceSession, readonly provider: ModelProvider, readonly inputName: string) {}

  static async create(parsed: ParsedModel, bytes: Uint8Array, provider: ModelProvider, externalData: Array<{ path: string; data: Uint8Array }> = []): Promise<ModelSession> {
    runCount++;
    try {
      // Copies: the runtime's worker takes the buffers it is given (they are transferred), and
      // the page keeps the model's bytes for later sessions (other outputs, the lab).
      const session = await ort.InferenceSession.create(bytes.slice(), {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        ...(externalData.length ? { externalData: externalData.map(({ path, data }) => ({ path, data: data.slice() })) } : {}),
      });
      return new ModelSession(session, provider, parsed.inputs[0].name);
    } catch (error) {
      throw new ModelError(parsed.fileName, `the runtime cannot run this model (${runtimeMessage(error)})`);
    }
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs on one input tensor; returns the float outputs asked for (others are skipped). */
  async run(fileName: string, input: Float32Array, dims: number[], outputs: readonly string[]): Promise<Map<string, OutputTensor>> {
    let results: ort.InferenceSession.OnnxValueMapType;
    runCount++;
    try {
      results = await this.session.run({ [this.inputName]: new ort.Tensor('float32', input.slice(), dims) }, outputs as string[]);
    } catch (error) {
      throw new ModelError(fileName, `the model failed to run (${runtimeMessage(error)})`);
    }
    return floatOutputs(results, outputs);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

