// Uniform buffers written by field name, with the layout read from the shader's own struct: the
// WGSL declaration is the one statement of a layout, and a stage names the fields it sets (a field
// left out, or one the struct lacks, is an error at once, not a shifted value on the GPU).
// The stages' uniform structs hold 4-byte scalars only (u32, i32, f32), which WGSL lays out one
// after another with no padding; fields named pad... may be left out and are written as 0.

type FieldType = 'u32' | 'i32' | 'f32';

export interface StructLayout {
  /** The struct's name in the shader. */
  name: string;
  /** Byte size of the struct (a multiple of 4). */
  size: number;
  /** Bytes of a uniform buffer holding it: the size rounded up to 16, as a uniform binding is sized. */
  bufferBytes: number;
  fields: ReadonlyMap<string, { offset: number; type: FieldType }>;
}

/** The layout of `struct <name>` in WGSL `code`. */
export function structLayout(code: string, name: string): StructLayout {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const match = new RegExp(`\\bstruct\\s+${name}\\s*\\{([^}]*)\\}`).exec(text);
  if (!match) throw new Error(`uniforms: the shader declares no struct ${name}`);
  const fields = new Map<string, { offset: number; type: FieldType }>();
  let offset = 0;
  for (const declaration of match[1].split(',').map((d) => d.trim()).filter(Boolean)) {
    const field = /^(\w+)\s*:\s*(\w+)$/.exec(declaration);
    if (!field || !['u32', 'i32', 'f32'].includes(field[2])) {
      throw new Error(`uniforms: struct ${name} field "${declaration}" is not a u32, i32 or f32 (the only kinds laid out here)`);
    }
    fields.set(field[1], { offset, type: field[2] as FieldType });
    offset += 4;
  }
  return { name, size: offset, bufferBytes: Math.max(16, Math.ceil(offset / 16) * 16), fields };
}

function put(view: DataView, offset: number, type: FieldType, value: number): void {
  if (type === 'f32') view.setFloat32(offset, value, true);
  else if (type === 'i32') view.setInt32(offset, value, true);
  else view.setUint32(offset, value, true);
}

/** The struct's bytes with these field values: every field but the pad... ones must be given. */
export function structBytes(layout: StructLayout, values: Record<string, number>): ArrayBuffer {
  for (const key of Object.keys(values)) {
    if (!layout.fields.has(key)) throw new Error(`uniforms: struct ${layout.name} has no field ${key}`);
  }
  const bytes = new ArrayBuffer(layout.bufferBytes);
  const view = new DataView(bytes);
  for (const [field, { offset, type }] of layout.fields) {
    const value = values[field];
    if (value === undefined) {
      if (field.startsWith('pad')) continue;
      throw new Error(`uniforms: struct ${layout.name} field ${field} is not given`);
    }
    put(view, offset, type, value);
  }
  return bytes;
}

/** A uniform buffer holding the struct with these field values. */
export function uniformBuffer(device: GPUDevice, label: string, layout: StructLayout, values: Record<string, number>): GPUBuffer {
  const bytes = structBytes(layout, values);
  const buffer = device.createBuffer({ label, size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bytes));
  buffer.unmap();
  return buffer;
}

/** Queues a write of one field of the struct in `buffer`. */
export function writeUniformField(queue: GPUQueue, buffer: GPUBuffer, layout: StructLayout, field: string, value: number): void {
  const at = layout.fields.get(field);
  if (!at) throw new Error(`uniforms: struct ${layout.name} has no field ${field}`);
  const bytes = new DataView(new ArrayBuffer(4));
  put(bytes, 0, at.type, value);
  queue.writeBuffer(buffer, at.offset, bytes.buffer);
}
