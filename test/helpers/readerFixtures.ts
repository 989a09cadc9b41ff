// The reader fixtures' expected layers (written by tools/make_reader_fixtures.py and
// tools/make_torch_hdf5_fixtures.py): each file's layers with their values as base64 float32.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ExpectedLayer {
  name: string;
  storedShape: number[];
  shape: [number, number, number, number];
  dtype: string;
  layout: 'nchw' | 'nhwc';
  values: string;
}

/** A fixture folder under test/fixtures: its files' paths and its expected.json. */
export function readerFixtures<L extends ExpectedLayer = ExpectedLayer>(folder: string): { at: (name: string) => string; expected: Record<string, L[]> } {
  const dir = join(import.meta.dirname, '..', 'fixtures', folder);
  const at = (name: string) => join(dir, name);
  return { at, expected: JSON.parse(readFileSync(at('expected.json'), 'utf8')) };
}

/** Base64 float32 values as an array. */
export function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
