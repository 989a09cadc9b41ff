// The GPU stages' WGSL as compiled (shaders/common.wgsl in front of each shader) and their uniform
// structs as the TypeScript side writes them, by field name, from the layout the shader declares.
// Pure: no device needed (the GPU engine tests run these buffers on Dawn).
import { describe, expect, it } from 'vitest';
import { SHADERS } from '../src/engine/gpu/shaders';
import { structBytes, structLayout } from '../src/engine/gpu/uniforms';

describe('GPU shader sources', () => {
  it('every shader gets the shared helpers once, and defines none of them again', () => {
    for (const { label, code } of Object.values(SHADERS)) {
      for (const declaration of [/override WORKGROUP\b/g, /fn cmul\(/g, /fn invocationIndex\(/g, /fn lineStart\(/g]) {
        expect(code.match(declaration)?.length, `${label}: ${declaration.source}`).toBe(1);
      }
    }
  });
});

describe('uniform structs written by field name', () => {
  it('reads each stage struct as the shader declares it: u32 fields in order, one uniform buffer of whole 16 bytes', () => {
    const pass = structLayout(SHADERS.fftPass.code, 'Pass');
    expect([...pass.fields.keys()]).toEqual(['n', 'butterflies', 'lines', 'linesPerMap', 'lineStride', 'elemStride', 'mapStride', 'span', 'twiddleOffset', 'rootOffset', 'lineFastest', 'pad']);
    expect(pass.fields.get('span')).toEqual({ offset: 28, type: 'u32' });
    expect([pass.size, pass.bufferBytes]).toEqual([48, 48]);
    const moments = structLayout(SHADERS.moments.code, 'Params');
    expect(moments.fields.get('count')?.offset).toBe(8);
    expect(moments.bufferBytes).toBe(16);
    expect(structLayout(SHADERS.bluestein.code, 'Chirp').fields.get('filterOffset')?.offset).toBe(32);
    expect(structLayout(SHADERS.pack.code, 'Pack').fields.size).toBe(4);
    expect(structLayout(SHADERS.rings.code, 'Rings').fields.get('width')?.offset).toBe(12);
  });

  it('writes the named values at their offsets, little-endian, pads as zeros', () => {
    const layout = structLayout('struct S { a: u32, b: f32, // note\n c: i32, pad0: u32, e: u32 }', 'S');
    const bytes = new DataView(structBytes(layout, { a: 7, b: 1.5, c: -3, e: 0xfffffffe }));
    expect(bytes.byteLength).toBe(32);
    expect([bytes.getUint32(0, true), bytes.getFloat32(4, true), bytes.getInt32(8, true), bytes.getUint32(12, true), bytes.getUint32(16, true)]).toEqual([7, 1.5, -3, 0, 0xfffffffe]);
  });

  it('refuses a field left out, a field the struct lacks, a kind it does not lay out, and a missing struct', () => {
    const layout = structLayout(SHADERS.pack.code, 'Pack');
    expect(() => structBytes(layout, { maps: 1, size: 2 })).toThrow(/struct Pack field pairs is not given/);
    expect(() => structBytes(layout, { maps: 1, size: 2, pairs: 1, count: 3 })).toThrow(/struct Pack has no field count/);
    expect(() => structLayout('struct V { a: vec2f, }', 'V')).toThrow(/field "a: vec2f" is not a u32, i32 or f32/);
    expect(() => structLayout(SHADERS.pack.code, 'Params')).toThrow(/declares no struct Params/);
  });
});
