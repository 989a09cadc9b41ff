// The session file's codec (src/io/sessionArchive.ts): any value of JSON, typed arrays and Blobs
// comes back as it went in (awkward arrays: odd lengths, offsets into larger buffers, NaN and the
// infinities, empty ones), and every damaged file gives one message naming the file and the reason.
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, readSessionArchive, SESSION_FORMAT_VERSION, writeSessionArchive } from '../src/io/sessionArchive';

const app = { name: 'SROP lab', version: '9.9.9' };

async function roundTrip(value: unknown, about?: unknown) {
  const bytes = await writeSessionArchive(value, { app, about, saved: new Date('2026-01-02T03:04:05Z') });
  return readSessionArchive(bytes, 'test.srop.zip');
}

describe('session archive', () => {
  it('gives back typed arrays of every kind, views into larger buffers, odd lengths and special numbers', async () => {
    const big = new Float64Array(11).map((_, i) => i / 3);
    const view = big.subarray(3, 8); // offset 24 bytes, length 5
    const f32 = new Float32Array([1.5, NaN, Infinity, -Infinity, -0, 3.4e38, 1e-45]);
    const value = {
      params: { kappa: 0.85, dc: 'keep', domain: 'disc', interpolate: true },
      numbers: [NaN, Infinity, -Infinity, 0, -1.25, 1e308],
      view,
      f32,
      u8: new Uint8Array([0, 255, 7]),
      clamped: new Uint8ClampedArray([1, 2, 3, 4, 5]),
      i16: new Int16Array([-32768, 32767, 1]),
      u16: new Uint16Array([65535]),
      i32: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0]),
      u32: new Uint32Array([2 ** 32 - 1]),
      i8: new Int8Array([-128, 127]),
      empty: new Float32Array(0),
      nested: [{ a: new Float64Array([NaN]) }, null, 'text', true],
      unicode: 'κ = 0.85 — ünïcode ✓',
    };
    const { manifest, value: back } = await roundTrip(value, { made: 'test' });
    expect(manifest).toMatchObject({ format: 'srop-session', formatVersion: SESSION_FORMAT_VERSION, app, saved: '2026-01-02T03:04:05.000Z', about: { made: 'test' } });
    const b = back as typeof value;
    expect(b.view).toBeInstanceOf(Float64Array);
    expect(Array.from(b.view)).toEqual(Array.from(view));
    expect(b.f32).toBeInstanceOf(Float32Array);
    expect(Array.from(b.f32)).toEqual(Array.from(f32));
    expect(Object.is(b.f32[4], -0)).toBe(true);
    expect(b.numbers).toEqual([NaN, Infinity, -Infinity, 0, -1.25, 1e308]);
    for (const key of ['u8', 'clamped', 'i16', 'u16', 'i32', 'u32', 'i8', 'empty'] as const) {
      expect(b[key].constructor).toBe(value[key].constructor);
      expect(Array.from(b[key] as ArrayLike<number>)).toEqual(Array.from(value[key] as ArrayLike<number>));
    }
    expect(Number.isNaN((b.nested[0] as { a: Float64Array }).a[0])).toBe(true);
    expect(b.nested.slice(1)).toEqual([null, 'text', true]);
    expect(b.unicode).toBe(value.unicode);
    expect(b.params).toEqual(value.params);
  });

  it('gives back Blobs byte for byte (empty ones and odd sizes too), undefined members dropped', async () => {
    const bytes = Uint8Array.from({ length: 1001 }, (_, i) => (i * 37) % 256);
    const { value } = await roundTrip({ file: new Blob([bytes], { type: 'application/octet-stream' }), none: new Blob([]), gone: undefined });
    const v = value as { file: Blob; none: Blob };
    expect(v.file.type).toBe('application/octet-stream');
    expect(new Uint8Array(await v.file.arrayBuffer())).toEqual(bytes);
    expect(v.none.size).toBe(0);
    expect('gone' in (value as object)).toBe(false);
  });

  it('refuses what it cannot save, naming where it is', async () => {
    await expect(writeSessionArchive({ a: { $typed: 1 } }, { app })).rejects.toThrow('session value session.a.$typed: keys starting with "$" are reserved');
    await expect(writeSessionArchive({ m: new Map() }, { app })).rejects.toThrow('session value session.m: a Map cannot be saved');
    await expect(writeSessionArchive({ f: () => 1 }, { app })).rejects.toThrow('session value session.f: a function cannot be saved');
  });

  it('a truncated file, a flipped byte, a newer version, a zip without manifest: one message naming the file', async () => {
    const value = { profiles: new Float64Array(1000).map((_, i) => Math.sin(i)), note: 'x'.repeat(200) };
    const bytes = await writeSessionArchive(value, { app });
    const name = 'run.srop.zip';
    // Truncated (half of it, and all but the last byte): the zip's directory is gone.
    expect(() => readSessionArchive(bytes.slice(0, bytes.length >> 1), name)).toThrow(/^run\.srop\.zip: not a session file, or a damaged or truncated one/);
    expect(() => readSessionArchive(bytes.slice(0, bytes.length - 1), name)).toThrow(/^run\.srop\.zip: /);
    // A flipped byte inside a stored entry (the profiles): the checksum says so.
    const files = unzipSync(bytes);
    const entry = Object.keys(files).find((k) => k.startsWith('bin/'))!;
    const at = indexOf(bytes, files[entry].subarray(0, 64)) + 100;
    const flipped = bytes.slice();
    flipped[at] ^= 0x40;
    expect(() => readSessionArchive(flipped, name)).toThrow(`${name}: the entry ${entry} is damaged (its size or checksum is not the manifest's)`);
    // A newer format version: refused with both versions.
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    const newer = zipSync({ ...files, 'manifest.json': strToU8(JSON.stringify({ ...manifest, formatVersion: SESSION_FORMAT_VERSION + 1 })) });
    expect(() => readSessionArchive(newer, name)).toThrow(`run.srop.zip: session format version ${SESSION_FORMAT_VERSION + 1} (written by SROP lab 9.9.9) is newer than this app reads (up to version ${SESSION_FORMAT_VERSION}): open it with a newer version of the app`);
    // A zip that is not a session file, and something that is not a zip.
    expect(() => readSessionArchive(zipSync({ 'a.npy': new Uint8Array(10) }), 'other.zip')).toThrow('other.zip: not a session file (a zip without manifest.json)');
    expect(() => readSessionArchive(strToU8('hello, not a zip at all'), 'notes.srop.zip')).toThrow(/^notes\.srop\.zip: not a session file, or a damaged or truncated one/);
    // An entry the manifest lists, missing from the zip.
    const { [entry]: _dropped, ...rest } = files;
    expect(() => readSessionArchive(zipSync(rest), name)).toThrow(`${name}: the entry ${entry} is missing: the file is truncated or damaged`);
    // An array entry of another length than its document says.
    const doc = JSON.parse(new TextDecoder().decode(files['session.json']));
    doc.profiles.length = 999;
    const docBytes = strToU8(JSON.stringify(doc));
    const entries = { ...manifest.entries, 'session.json': { bytes: docBytes.length, crc32: crc32(docBytes) } };
    expect(() => readSessionArchive(zipSync({ ...files, 'session.json': docBytes, 'manifest.json': strToU8(JSON.stringify({ ...manifest, entries })) }), name)).toThrow(`${name}: the entry ${entry} holds 8000 bytes, not the 7992 of 999 Float64Array values`);
    doc.profiles = { $typed: 'constructor', entry, length: 1000 };
    const odd = strToU8(JSON.stringify(doc));
    const oddEntries = { ...manifest.entries, 'session.json': { bytes: odd.length, crc32: crc32(odd) } };
    expect(() => readSessionArchive(zipSync({ ...files, 'session.json': odd, 'manifest.json': strToU8(JSON.stringify({ ...manifest, entries: oddEntries })) }), name)).toThrow(`${name}: ${entry} has an unknown array type constructor`);
    // A manifest of another format.
    expect(() => readSessionArchive(zipSync({ ...files, 'manifest.json': strToU8(JSON.stringify({ ...manifest, format: 'other' })) }), name)).toThrow(`${name}: not a session file (its manifest says format "other", not srop-session)`);
  });

  it('crc32 is the zip polynomial', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}
