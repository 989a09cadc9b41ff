// One chunk of maps through the GPU stages, in one submission: upload, take each map's moments
// (MomentStage), pack pairs of maps into complex maps (PackStage), FFT the rows and then the
// columns (LineFftStage), and sum the power per ring (RingStage); only the ring energies and the
// moments come back, through one mappable buffer per chunk. A pipeline holds the buffers and bound
// stages for chunks of one shape and number of pairs; its cost is its stages' costs plus the
// buffers it shares between them.

import type { RingProfiles } from '../types';
import type { RingTable } from '../ringTable';
import { ringTable } from '../ringTable';
import { linePlan } from './linePlan';
import { MEAN_SCALE_BYTES, MomentStage, type MomentReadback } from './momentStage';
import { PackStage } from './packStage';
import { LineFftStage } from './lineFftStage';
import { RingStage } from './ringStage';
import { costBytes, pairBuffer, repeatCost, sumCosts, type BufferCost } from './bufferCost';
import { IN_FLIGHT } from './scheduler';

/** Bytes per pair of the buffers a pipeline shares between its stages. */
function sharedBytesPerPair(table: RingTable) {
  const { height: H, width: W } = table;
  const size = H * W;
  const work = Math.max(H * LineFftStage.workValuesPerLine(linePlan(W)), W * LineFftStage.workValuesPerLine(linePlan(H)));
  return {
    /** The maps as uploaded (float32). */
    maps: 2 * size * 4,
    /** Per map, the pack stage's mean and scale. */
    meanScale: 2 * MEAN_SCALE_BYTES,
    /** One of the two buffers of complex spectra the FFT passes go back and forth between. */
    spectra: size * 8,
    /** One of the two Bluestein work buffers (padded lines of the longer Bluestein axis), 0 if none. */
    work: work * 8,
    /** One read-back buffer: the ring energies, then the moments. */
    readback: 2 * RingStage.energyBytesPerMap(table) + MomentStage.copyBytesPerPair,
  };
}

/**
 * The GPU memory a chunk pipeline of this shape needs: its stages' buffers and the ones it shares
 * between them (maps, mean and scale, two spectra buffers, two Bluestein work buffers, and
 * IN_FLIGHT read-back buffers).
 */
export function chunkCost(height: number, width: number): BufferCost {
  const table = ringTable(height, width);
  const shared = sharedBytesPerPair(table);
  return sumCosts(
    pairBuffer(shared.maps),
    pairBuffer(shared.meanScale),
    repeatCost(pairBuffer(shared.spectra), 2),
    repeatCost(pairBuffer(shared.work), shared.work > 0 ? 2 : 0),
    repeatCost(pairBuffer(shared.readback), IN_FLIGHT),
    MomentStage.cost(),
    PackStage.cost(),
    LineFftStage.cost(linePlan(width)),
    LineFftStage.cost(linePlan(height)),
    RingStage.cost(table),
  );
}

/** What comes back of a chunk: ring energies (maps x segments) and the maps' moments. */
export interface ChunkReadback {
  energies: Float32Array;
  moments: MomentReadback;
}

/** A submitted chunk: its read-back, and a promise that settles (never rejects) once its read-back buffer is free again. */
export interface SubmittedChunk {
  result: Promise<ChunkReadback>;
  settled: Promise<unknown>;
}

export class ChunkPipeline {
  private readonly input: GPUBuffer;
  private readonly buffers: GPUBuffer[] = [];
  private readonly moments: MomentStage;
  private readonly pack: PackStage;
  private readonly rows: LineFftStage;
  private readonly columns: LineFftStage;
  private readonly rings: RingStage;
  /** The buffer that holds the 2-D spectra of the pairs after the column pass. */
  private readonly spectra: GPUBuffer;
  /** Mappable buffers, one per chunk in flight (IN_FLIGHT of them): ring energies, then moments. */
  private readonly readbacks: GPUBuffer[] = [];
  /** Chunks submitted on this pipeline and not yet read back (settled once read or failed). */
  private readonly pending = new Set<Promise<unknown>>();
  /** Bytes of every GPU buffer this pipeline and its stages hold. */
  readonly bytes: number;

  constructor(private readonly device: GPUDevice, private readonly table: RingTable, readonly pairs: number) {
    const { height: H, width: W } = table;
    const size = H * W;
    const shared = sharedBytesPerPair(table);
    const label = `${H}x${W} x${pairs} pairs`;
    const create = (what: string, bytes: number, usage: number) => {
      const buffer = device.createBuffer({ label: `${label} ${what}`, size: Math.max(16, bytes), usage });
      this.buffers.push(buffer);
      return buffer;
    };
    const storage = GPUBufferUsage.STORAGE;
    this.input = create('maps', pairs * shared.maps, storage | GPUBufferUsage.COPY_DST);
    const meanScale = create('mean and scale', pairs * shared.meanScale, storage | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
    const spectra = storage | GPUBufferUsage.COPY_SRC;
    const data: [GPUBuffer, GPUBuffer] = [create('spectra A', pairs * shared.spectra, spectra), create('spectra B', pairs * shared.spectra, spectra)];
    const work: [GPUBuffer, GPUBuffer] | null = shared.work ? [create('bluestein work A', pairs * shared.work, storage), create('bluestein work B', pairs * shared.work, storage)] : null;
    this.moments = new MomentStage(device, this.input, meanScale, 2 * pairs, size, label);
    this.pack = new PackStage(device, this.input, meanScale, data[0], 2 * pairs, size, pairs);
    this.rows = new LineFftStage(device, linePlan(W), { lines: pairs * H, linesPerMap: H, lineStride: W, elemStride: 1, mapStride: size, lineFastest: false }, data, 0, work, `${label} rows`);
    this.columns = new LineFftStage(device, linePlan(H), { lines: pairs * W, linesPerMap: W, lineStride: 1, elemStride: W, mapStride: size, lineFastest: true }, data, this.rows.resultIn, work, `${label} columns`);
    this.rings = new RingStage(device, table, data[this.columns.resultIn], 2 * pairs, label);
    this.spectra = data[this.columns.resultIn];
    for (let i = 0; i < IN_FLIGHT; i++) {
      this.readbacks.push(create(`read-back ${i}`, this.rings.energyBytes + this.moments.copyBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
    }
    this.bytes = this.buffers.reduce((sum, b) => sum + b.size, 0) + this.moments.bytes + this.pack.bytes + this.rows.bytes + this.columns.bytes + this.rings.bytes;
    const stated = costBytes(chunkCost(H, W), pairs);
    if (this.bytes > stated) {
      this.destroy();
      throw new Error(`GPU engine: a ${label} pipeline holds ${this.bytes} bytes, more than its stages' stated cost of ${stated}`);
    }
  }

  /**
   * Uploads and submits `count` maps (count <= 2 pairs; slots past `count` are zeros) inside
   * validation and out-of-memory error scopes. Throws if it could not be submitted (the read-back
   * buffer is free again); `result` rejects with an error scope's error or a failed read-back.
   */
  submit(data: Float32Array, count: number): SubmittedChunk {
    const device = this.device;
    const readback = this.takeReadback();
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let thrown: unknown = null;
    try {
      device.queue.submit([this.record(data, count, readback)]);
    } catch (error) {
      thrown = error;
    }
    const errors = [device.popErrorScope(), device.popErrorScope()];
    for (const e of errors) e.catch(() => undefined); // awaited below, when submitted
    if (thrown !== null) {
      this.readbacks.push(readback);
      throw thrown;
    }
    const reading = this.read(readback, count);
    // Awaited below; an error scope may fail first, leaving it unawaited.
    reading.catch(() => undefined);
    const result = (async () => {
      const [validation, memory] = await Promise.all(errors);
      const error = validation ?? memory;
      if (error) throw new Error(`GPU engine: ${error.message}`);
      return reading;
    })();
    // The read-back buffer is free once the chunk is done and its read-back settled (after an
    // error scope's error, the read-back is still pending).
    return { result, settled: Promise.allSettled([result, reading]) };
  }

  /**
   * One map's power spectrum: the map is the real part of a pair whose imaginary part is zero, so
   * the pair's 2-D spectrum, copied into `into` (mappable, at least size * 8 bytes), is the map's
   * own. Non-finite values count as 0; the pack scale is undone in float64 and the DC bin is
   * |sum|^2. The pipeline's read-back buffer is free again when it settles.
   */
  async spectrum(map: Float32Array, into: GPUBuffer): Promise<Float64Array> {
    const size = this.table.height * this.table.width;
    const finite = Float32Array.from(map.subarray(0, size), (v) => (Number.isFinite(v) ? v : 0));
    let sum = 0;
    for (const v of finite) sum += v;
    const readback = this.takeReadback();
    let reading: Promise<ChunkReadback> | null = null;
    try {
      // The second slot of the pair is spare: the moment stage packs it as zeros.
      const commands = this.record(finite, 1, readback);
      const encoder = this.device.createCommandEncoder({ label: 'spectrum copy' });
      encoder.copyBufferToBuffer(this.spectra, 0, into, 0, size * 8);
      this.device.queue.submit([commands, encoder.finish()]);
      reading = this.read(readback, 1);
      reading.catch(() => undefined); // awaited below and in finally
      const [{ moments: { packScale } }] = await Promise.all([reading, into.mapAsync(GPUMapMode.READ)]);
      const z = new Float32Array(into.getMappedRange().slice(0));
      into.unmap();
      // Scale 0: nothing but the DC bin (an all-zero or constant map).
      const unscale = packScale[0] > 0 ? 1 / (packScale[0] * packScale[0]) : 0;
      const power = new Float64Array(size);
      for (let i = 0; i < size; i++) power[i] = (z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1]) * unscale;
      power[0] = sum * sum;
      return power;
    } finally {
      if (reading) await reading.catch(() => undefined);
      else this.readbacks.push(readback);
    }
  }

  /** Uploads `count` maps and records the whole chunk: the stages, and the copies into `readback`. */
  private record(data: Float32Array, count: number, readback: GPUBuffer): GPUCommandBuffer {
    const size = this.table.height * this.table.width;
    this.device.queue.writeBuffer(this.input, 0, data.subarray(0, count * size));
    // The spare slots still hold an earlier chunk's maps: the moment stage gives them mean and
    // scale 0, which packs them as zeros, so that no result depends on them.
    this.moments.setCount(count);
    const encoder = this.device.createCommandEncoder({ label: 'srop chunk' });
    const pass = encoder.beginComputePass({ label: 'srop profiles' });
    this.moments.encode(pass);
    this.pack.encode(pass);
    this.rows.encode(pass);
    this.columns.encode(pass);
    this.rings.encode(pass);
    pass.end();
    this.rings.encodeCopy(encoder, readback, 0);
    this.moments.encodeCopy(encoder, readback, this.rings.energyBytes);
    return encoder.finish();
  }

  /** A read-back buffer no submitted chunk uses (there is one while fewer than IN_FLIGHT chunks are in flight). */
  private takeReadback(): GPUBuffer {
    const readback = this.readbacks.pop();
    if (!readback) throw new Error(`GPU engine: more than ${IN_FLIGHT} chunks in flight on one pipeline`);
    return readback;
  }

  /** Once the chunk submitted with `readback` is done: its energies and the first `count` maps' moments; the buffer is free again afterwards. */
  private read(readback: GPUBuffer, count: number): Promise<ChunkReadback> {
    const reading = (async () => {
      try {
        await readback.mapAsync(GPUMapMode.READ);
        const raw = new Float32Array(readback.getMappedRange().slice(0));
        readback.unmap();
        const split = this.rings.energyBytes / 4;
        return { energies: raw.subarray(0, split), moments: this.moments.decode(raw.subarray(split), count) };
      } finally {
        this.readbacks.push(readback);
      }
    })();
    const settled = reading.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return reading;
  }

  /** Resolves once no chunk submitted on this pipeline is waiting to be read back. */
  async idle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  destroy(): void {
    this.moments.destroy();
    this.pack.destroy();
    this.rows.destroy();
    this.columns.destroy();
    this.rings.destroy();
    for (const b of this.buffers) b.destroy();
  }
}

/** Writes a chunk's read-back into `profiles` as maps first .. first + count - 1, the pack scale undone in float64. */
export function decodeChunk({ energies, moments }: ChunkReadback, table: RingTable, count: number, profiles: RingProfiles, first: number): void {
  const { rings } = table;
  const segments = 2 * rings;
  for (let m = 0; m < count; m++) {
    const slot = first + m;
    const { nonFinite, sum, sumSquares } = moments.moments[m];
    profiles.nonFinite[slot] = nonFinite ? 1 : 0;
    profiles.dc[slot] = sum * sum;
    profiles.sumSquares[slot] = sumSquares;
    const scale = moments.packScale[m];
    if (nonFinite || scale === 0) continue; // nothing but DC: every ring stays 0
    const unscale = 1 / (scale * scale);
    const from = m * segments;
    const to = slot * rings;
    for (let r = 0; r < rings; r++) {
      profiles.inDisc[to + r] = energies[from + r] * unscale;
      profiles.outDisc[to + r] = energies[from + rings + r] * unscale;
    }
  }
}
