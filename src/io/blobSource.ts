// Byte sources for the readers: a range of a Blob read by slices, or a deflated range of a Blob
// inflated as a stream. Both give bytes [start, end) of their (decoded) contents on demand.

import type { Inflate } from 'fflate';
import { ActivationFileError } from './types';

/** Where an error belongs: the file (as the user named it) and optionally the member or tensor. */
export interface Where {
  file: string;
  part?: string;
}

export function fail(where: Where, reason: string): ActivationFileError {
  return new ActivationFileError(where.file, reason, where.part);
}

/**
 * What the readers need of a file: its size and its bytes by ranges. A browser File or Blob is
 * one; so is the command's file opened by path (io/node.ts, which reads ranges straight from the
 * file rather than through Node's Blob, whose reads are assembled from 64 KiB pieces).
 */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Random access to `size` bytes. `read` rejects with an ActivationFileError. */
export interface ByteSource {
  readonly size: number;
  read(start: number, end: number): Promise<Uint8Array>;
  /** Bytes [start, end) as a range of a browser Blob, where they are stored as they are; else null. */
  blobRange?(start: number, end: number): { blob: Blob; start: number; end: number } | null;
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return error.message.startsWith(code) ? error.message : `${code}: ${error.message}`;
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Bytes [start, end) of a blob; a failed read becomes an ActivationFileError. */
export async function readBlob(blob: BlobLike, start: number, end: number, where: Where): Promise<Uint8Array> {
  if (!(start >= 0 && end >= start && end <= blob.size)) {
    throw fail(where, `bytes ${start}-${end} are outside the file (${blob.size} bytes)`);
  }
  let buffer: ArrayBuffer;
  try {
    buffer = await blob.slice(start, end).arrayBuffer();
  } catch (error) {
    throw fail(where, `cannot read bytes ${start}-${end} (${describe(error)})`);
  }
  if (buffer.byteLength !== end - start) {
    throw fail(where, `reading bytes ${start}-${end} gave ${buffer.byteLength} bytes; the file may have changed`);
  }
  return new Uint8Array(buffer);
}

/** `size` bytes of a blob from `offset`. */
export class BlobSource implements ByteSource {
  constructor(
    private readonly blob: BlobLike,
    private readonly offset: number,
    readonly size: number,
    private readonly where: Where,
  ) {}

  read(start: number, end: number): Promise<Uint8Array> {
    if (!(start >= 0 && end >= start && end <= this.size)) {
      return Promise.reject(fail(this.where, `bytes ${start}-${end} are past the end of the data (${this.size} bytes)`));
    }
    return readBlob(this.blob, this.offset + start, this.offset + end, this.where);
  }

  blobRange(start: number, end: number): { blob: Blob; start: number; end: number } | null {
    if (typeof Blob === 'undefined' || !(this.blob instanceof Blob) || !(start >= 0 && end >= start && end <= this.size)) return null;
    return { blob: this.blob, start: this.offset + start, end: this.offset + end };
  }
}

/** Compressed bytes read from the blob at a time: at least the first, at most the second. */
const COMPRESSED_READ_MIN = 16 << 10;
const COMPRESSED_READ_MAX = 4 << 20;
/** Compressed bytes pushed into the inflater at a time: bounds one push's output (deflate expands ≤ 1032x). */
const COMPRESSED_PUSH = 32 << 10;

/**
 * fflate, loaded on the first inflate: evaluating it builds its Huffman tables (about 10 ms of the
 * command's start here), which files without deflated members never need.
 */
let fflate: Promise<typeof import('fflate')> | null = null;

/**
 * A raw-deflate stream of `compressedSize` bytes at `offset` in a blob, inflating to `size` bytes.
 * Reads stream forward, keeping only the bytes not yet asked for; a read before the bytes still held
 * restarts the stream from the beginning. Reads are serialised.
 */
export class InflateSource implements ByteSource {
  private inflater!: Inflate;
  private Inflater: (typeof import('fflate'))['Inflate'] | null = null;
  /** Compressed bytes consumed so far. */
  private consumed = 0;
  /** Inflated chunks held, in order; `heldStart` is the position of the first one's first byte. */
  private held: Uint8Array[] = [];
  private heldStart = 0;
  private heldEnd = 0;
  private finished = false;
  private pendingError: unknown = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly blob: BlobLike,
    private readonly offset: number,
    private readonly compressedSize: number,
    readonly size: number,
    private readonly where: Where,
  ) {}

  private restart(): void {
    this.inflater = new this.Inflater!((chunk, final) => {
      if (chunk.length) {
        this.held.push(chunk);
        this.heldEnd += chunk.length;
      }
      if (final) this.finished = true;
    });
    this.consumed = 0;
    this.held = [];
    this.heldStart = 0;
    this.heldEnd = 0;
    this.finished = false;
    this.pendingError = null;
  }

  /** Drops held chunks that end at or before `position`. */
  private dropBefore(position: number): void {
    while (this.held.length && this.heldStart + this.held[0].length <= position) {
      this.heldStart += this.held[0].length;
      this.held.shift();
    }
  }

  private push(piece: Uint8Array, last: boolean): void {
    try {
      this.inflater.push(piece, last);
    } catch (error) {
      this.pendingError = error;
      throw fail(this.where, `the compressed data is corrupt or cut short (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  read(start: number, end: number): Promise<Uint8Array> {
    const result = this.queue.then(() => this.readNow(start, end));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async readNow(start: number, end: number): Promise<Uint8Array> {
    if (!(start >= 0 && end >= start && end <= this.size)) {
      throw fail(this.where, `bytes ${start}-${end} are past the end of the data (${this.size} bytes)`);
    }
    if (!this.Inflater) {
      this.Inflater = (await (fflate ??= import('fflate'))).Inflate;
      this.restart();
    }
    if (start < this.heldStart || this.pendingError) this.restart();
    this.dropBefore(start);
    while (this.heldEnd < end && !this.finished && this.consumed < this.compressedSize) {
      const from = this.consumed;
      // about as many compressed bytes as inflated bytes are still wanted (deflate rarely expands)
      const want = Math.min(COMPRESSED_READ_MAX, Math.max(COMPRESSED_READ_MIN, end - this.heldEnd));
      const to = Math.min(this.compressedSize, from + want);
      const compressed = await readBlob(this.blob, this.offset + from, this.offset + to, this.where);
      for (let p = 0; p < compressed.length && !this.finished; p += COMPRESSED_PUSH) {
        const piece = compressed.subarray(p, Math.min(compressed.length, p + COMPRESSED_PUSH));
        this.push(piece, false);
        this.dropBefore(start);
        if (this.heldEnd >= end) {
          this.consumed = from + p + piece.length;
          break;
        }
      }
      if (this.heldEnd < end) this.consumed = to;
    }
    // all input given and still short: tell the inflater there is no more (flushes, or finds the stream cut short)
    if (this.heldEnd < end && !this.finished) this.push(new Uint8Array(0), true);
    if (this.heldEnd < end) {
      throw fail(this.where, `the compressed data ends after ${this.heldEnd} bytes; ${end} were expected`);
    }
    const out = new Uint8Array(end - start);
    let position = this.heldStart;
    for (const chunk of this.held) {
      const chunkEnd = position + chunk.length;
      if (chunkEnd > start && position < end) {
        const a = Math.max(start, position);
        const b = Math.min(end, chunkEnd);
        out.set(chunk.subarray(a - position, b - position), a - start);
      }
      if (chunkEnd >= end) break;
      position = chunkEnd;
    }
    this.dropBefore(end);
    return out;
  }
}
