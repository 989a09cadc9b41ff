// GPU stage 2: complex FFTs of every line along one axis of the packed maps, by radix passes
// (shaders/fftPass.wgsl) ping-ponging between two buffers, or by Bluestein (shaders/bluestein.wgsl)
// through two work buffers of padded lines, whose result lands back where the data started.

import { bind, computePipeline, encodeDispatches, storageBuffer, type Dispatch } from './gpuCommon';
import type { LinePlan } from './linePlan';
import { SHADERS } from './shaders';
import { structLayout, uniformBuffer, type StructLayout } from './uniforms';
import { fixedBuffer, repeatCost, sumCosts, type BufferCost } from './bufferCost';

const PASS = structLayout(SHADERS.fftPass.code, 'Pass');
const CHIRP = structLayout(SHADERS.bluestein.code, 'Chirp');

/** Where the lines of one axis sit in a buffer of complex values. */
export interface LineLayout {
  lines: number;
  linesPerMap: number;
  lineStride: number;
  elemStride: number;
  mapStride: number;
  /** Neighbouring invocations take neighbouring lines (for columns, whose lines are adjacent in memory). */
  lineFastest: boolean;
}

/** Butterflies per invocation of fftPass.wgsl. */
const BUTTERFLIES_PER_INVOCATION = 4;

export class LineFftStage {
  /**
   * GPU memory of the buffers this stage makes: its table and one uniform buffer per dispatch (a
   * radix pass each; Bluestein's three chirp steps and two transforms). The data and Bluestein work
   * buffers are the pipeline's.
   */
  static cost(plan: LinePlan): BufferCost {
    const passes = repeatCost(fixedBuffer(PASS.bufferBytes), plan.passes.length);
    const uniforms = plan.kind === 'radix' ? passes : sumCosts(repeatCost(fixedBuffer(CHIRP.bufferBytes), 3), passes, passes);
    return sumCosts(fixedBuffer(plan.table.byteLength), uniforms);
  }

  /** Complex values of Bluestein work per line (each of the two work buffers), 0 for a radix plan. */
  static workValuesPerLine(plan: LinePlan): number {
    return plan.kind === 'bluestein' ? plan.size : 0;
  }

  /** Which of the two data buffers holds the result. */
  readonly resultIn: 0 | 1;
  private readonly table: GPUBuffer;
  private readonly uniforms: GPUBuffer[] = [];
  private readonly dispatches: Dispatch[] = [];

  /**
   * Lines of `plan.n` laid out as `layout` in data[start]; `work` (two buffers of
   * lines * plan.size complex values) is needed only for a Bluestein plan.
   */
  constructor(
    private readonly device: GPUDevice,
    plan: LinePlan,
    layout: LineLayout,
    data: [GPUBuffer, GPUBuffer],
    start: 0 | 1,
    work: [GPUBuffer, GPUBuffer] | null,
    label: string,
  ) {
    this.table = storageBuffer(device, `${label} FFT table (n = ${plan.n})`, plan.table);
    if (plan.kind === 'radix') {
      const end = this.radixPasses(plan, layout, data, start, label);
      this.resultIn = end;
      return;
    }
    if (!work) throw new Error(`${label}: a Bluestein transform of length ${plan.n} needs work buffers`);
    const chirp = (entryPoint: string, src: GPUBuffer, dst: GPUBuffer, invocations: number) => {
      const params = this.uniform(`${label} bluestein ${entryPoint}`, CHIRP, {
        n: plan.n, size: plan.size, lines: layout.lines, linesPerMap: layout.linesPerMap, lineStride: layout.lineStride,
        elemStride: layout.elemStride, mapStride: layout.mapStride, chirpOffset: plan.chirpOffset, filterOffset: plan.filterOffset,
      });
      const pipeline = computePipeline(device, SHADERS.bluestein, entryPoint);
      this.dispatches.push({ pipeline, bindGroup: bind(device, `${label} bluestein ${entryPoint}`, pipeline, [params, src, dst, this.table]), invocations });
    };
    const padded: LineLayout = { lines: layout.lines, linesPerMap: layout.lines, lineStride: plan.size, elemStride: 1, mapStride: 0, lineFastest: false };
    chirp('chirpIn', data[start], work[0], layout.lines * plan.size);
    const afterForward = this.radixPasses(plan, padded, work, 0, `${label} bluestein forward`);
    chirp('convolve', work[afterForward], work[1 - afterForward], layout.lines * plan.size);
    const afterInverse = this.radixPasses(plan, padded, work, (1 - afterForward) as 0 | 1, `${label} bluestein inverse`);
    chirp('chirpOut', work[afterInverse], data[start], layout.lines * plan.n);
    this.resultIn = start;
  }

  /** Radix passes of plan.size over lines laid out as `layout`; returns the buffer holding the result. */
  private radixPasses(plan: LinePlan, layout: LineLayout, buffers: [GPUBuffer, GPUBuffer], start: 0 | 1, label: string): 0 | 1 {
    let at = start;
    for (const [index, p] of plan.passes.entries()) {
      const butterflies = plan.size / p.radix;
      const params = this.uniform(`${label} pass ${index} (radix ${p.radix})`, PASS, {
        n: plan.size, butterflies, lines: layout.lines, linesPerMap: layout.linesPerMap, lineStride: layout.lineStride, elemStride: layout.elemStride,
        mapStride: layout.mapStride, span: p.span, twiddleOffset: p.twiddleOffset, rootOffset: p.rootOffset, lineFastest: layout.lineFastest ? 1 : 0,
      });
      const pipeline = computePipeline(this.device, SHADERS.fftPass, 'main', { RADIX: p.radix, PER_INVOCATION: BUTTERFLIES_PER_INVOCATION });
      this.dispatches.push({
        pipeline,
        bindGroup: bind(this.device, `${label} pass ${index}`, pipeline, [params, buffers[at], buffers[1 - at], this.table]),
        invocations: Math.ceil((butterflies * layout.lines) / BUTTERFLIES_PER_INVOCATION),
      });
      at = (1 - at) as 0 | 1;
    }
    return at;
  }

  private uniform(label: string, layout: StructLayout, values: Record<string, number>): GPUBuffer {
    const buffer = uniformBuffer(this.device, label, layout, values);
    this.uniforms.push(buffer);
    return buffer;
  }

  encode(pass: GPUComputePassEncoder): void {
    encodeDispatches(pass, this.dispatches);
  }

  /** Bytes of GPU buffers this stage owns (its table and uniforms; the data and work buffers are borrowed). */
  get bytes(): number {
    return this.uniforms.reduce((sum, u) => sum + u.size, this.table.size);
  }

  destroy(): void {
    this.table.destroy();
    for (const u of this.uniforms) u.destroy();
  }
}
