#!/usr/bin/env python3
"""Writes the activation-file reader fixtures into test/fixtures/readers/ (tests: test/io*.test.ts).

    python3 tools/make_reader_fixtures.py            # from the repository root; numpy only

Good files (every .npy dtype in both byte orders, Fortran order, header versions 1.0/2.0/3.0,
1-D to 4-D, channels-last, npz stored / deflated / zip64, safetensors with every dtype and its data
out of key order) have their expected float32 maps, in [N, C, H, W] order, in expected.json: per
file, per layer, the stored shape, dtype, layout used (auto), normalised shape, and the maps as
base64 little-endian float32 (numpy's own float32 conversion). Bad files (one per kind of damage)
are checked by the tests against the reasons they must give. Deterministic: a fixed seed.
"""

import sys
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_arrays import b64, nchw  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'readers'
rng = np.random.default_rng(20240611)
expected = {}


def expect(fname, name, a, layout, dtype):
    entry = dict(storedShape=list(a.shape), dtype=dtype, layout=layout)
    v = nchw(a, layout)
    entry['shape'] = list(v.shape)
    entry['values'] = b64(v)
    expected.setdefault(fname, []).append(dict(name=name, **entry))


def save(fname, a, layout='nchw', version=None, fortran=False):
    a = np.asfortranarray(a) if fortran else np.ascontiguousarray(a)
    with open(OUT / fname, 'wb') as f:
        npformat.write_array(f, a, version=version)
    expect(fname, fname[:-4], a, layout, a.dtype.str)


def values(dtype, n):
    """n values of a dtype, with its awkward ones (extremes, NaN, inf, -0, subnormals)."""
    dt = np.dtype(dtype)
    if dt.kind == 'f':
        x = rng.standard_normal(n) * 100
        special = [np.nan, np.inf, -np.inf, -0.0, 1e-7, 65504.0, 6e-8, 3.4e38, 1e300, -1e-320, 0.1, 1 / 3]
        x[:len(special)] = special[:n]
        with np.errstate(all='ignore'):
            return x.astype(dt)
    if dt.kind == 'b':
        return rng.integers(0, 2, n).astype(dt)
    info = np.iinfo(dt)
    x = rng.integers(info.min, info.max, n, dtype=dt.newbyteorder('='), endpoint=True).astype(dt)
    special = [info.min, info.max, 0, 1]
    if dt.itemsize == 8:
        big = 2**60 + 2**36 + 1  # double rounding (int64 -> float64 -> float32) gets this one wrong
        special += [big, 2**53 + 1, 2**62 + 2**38] + ([-big] if dt.kind == 'i' else [2**63 + 2**39 + 1])
    x[:len(special)] = np.array(special, dtype=object).astype(dt)
    return x


def npy_bytes(a, version=None):
    f = io.BytesIO()
    a = np.asarray(a)
    npformat.write_array(f, a if a.flags.c_contiguous else np.ascontiguousarray(a), version=version)
    return f.getvalue()


# ---- .npy: dtypes x byte orders ----
def dtypes_files():
    for code in ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1']:
        orders = ['|'] if code[1] == '1' else ['<', '>']
        for order in orders:
            dt = np.dtype(order + code if code != 'b1' else '?')
            a = values(dt, 2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
            tag = {'<': 'le', '>': 'be', '|': 'na'}[order]
            save(f'dt_{tag}_{code}.npy', a)
    # '=' (native order) written by hand: numpy itself writes '<' on little-endian machines
    a = values('<f4', 12).reshape(3, 4)
    raw = npy_bytes(a).replace(b"'descr': '<f4'", b"'descr': '=f4'")
    (OUT / 'dt_eq_f4.npy').write_bytes(raw)
    expect('dt_eq_f4.npy', 'dt_eq_f4', a, 'nchw', '=f4')


def shapes_files():
    a = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    save('fortran_4d.npy', a, fortran=True)
    save('fortran_3d_be_f8.npy', rng.standard_normal((3, 5, 6)).astype('>f8'), fortran=True)
    save('fortran_nhwc.npy', rng.standard_normal((2, 5, 5, 3)).astype(np.float32), layout='nhwc', fortran=True)
    save('v1.npy', rng.standard_normal((2, 2, 3, 3)).astype(np.float32), version=(1, 0))
    save('v2.npy', rng.standard_normal((2, 2, 3, 3)).astype(np.float32), version=(2, 0))
    save('v3.npy', rng.standard_normal((2, 2, 3, 3)).astype(np.float32), version=(3, 0))
    save('one_d.npy', rng.standard_normal(7).astype(np.float32))
    save('two_d.npy', rng.standard_normal((5, 6)).astype(np.float32))
    save('three_d.npy', rng.standard_normal((3, 4, 5)).astype(np.float32))
    save('three_d_nhwc.npy', rng.standard_normal((4, 4, 3)).astype(np.float32), layout='nhwc')
    save('nhwc.npy', rng.standard_normal((2, 5, 5, 3)).astype(np.float32), layout='nhwc')
    save('nhwc_wide.npy', rng.standard_normal((2, 6, 5, 16)).astype('<f2'), layout='nhwc')


# ---- .npz ----
def npz_files():
    members = {
        'conv1': rng.standard_normal((2, 3, 4, 5)).astype(np.float32),
        'block.relu': rng.standard_normal((1, 6, 6, 4)).astype('>f8'),  # nhwc
        'fc': rng.standard_normal((3, 7)).astype(np.float16),
    }
    layouts = {'conv1': 'nchw', 'block.relu': 'nhwc', 'fc': 'nchw'}
    np.savez(OUT / 'stored.npz', **members)
    for name, a in members.items():
        expect('stored.npz', name, a, layouts[name], a.dtype.str)
    members_c = dict(members)
    # a member larger than the inflater's 32 KiB pushes, and than its 4 MiB reads are not: several pushes
    members_c['big'] = rng.standard_normal((1, 16, 32, 32)).astype(np.float32)
    members_c['zeros'] = np.zeros((2, 4, 8, 8), np.float32)
    layouts.update(big='nchw', zeros='nchw')
    np.savez_compressed(OUT / 'deflated.npz', **members_c)
    for name, a in members_c.items():
        expect('deflated.npz', name, a, layouts[name], a.dtype.str)

    # zip64 local headers, as zipfile writes them with force_zip64
    z = {'a': rng.standard_normal((1, 2, 3, 3)).astype(np.float32), 'b': rng.integers(-9, 9, (2, 2, 4, 4)).astype('<i2')}
    with zipfile.ZipFile(OUT / 'zip64_local.npz', 'w', compression=zipfile.ZIP_DEFLATED) as zf:
        for name, a in z.items():
            with zf.open(name + '.npy', 'w', force_zip64=True) as f:
                f.write(npy_bytes(a))
            expect('zip64_local.npz', name, a, 'nchw', a.dtype.str)

    # a full zip64 archive: 0xffffffff sizes and offsets in the directory, zip64 extra fields, zip64 end record
    z = {'first': rng.standard_normal((2, 2, 3, 3)).astype(np.float32), 'second': rng.standard_normal((1, 3, 4, 4)).astype('<f8')}
    (OUT / 'zip64_full.npz').write_bytes(zip64_archive([(k + '.npy', npy_bytes(a)) for k, a in z.items()]))
    for name, a in z.items():
        expect('zip64_full.npz', name, a, 'nchw', a.dtype.str)

    # good and bad members side by side
    good = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    other = rng.standard_normal((1, 3, 2, 2)).astype(np.float32)
    with zipfile.ZipFile(OUT / 'mixed.npz', 'w') as zf:
        zf.writestr(zipfile.ZipInfo('good.npy'), npy_bytes(good))
        zf.writestr(zipfile.ZipInfo('notes.txt'), b'just some words\n')
        zf.writestr(zipfile.ZipInfo('complex.npy'), npy_bytes(np.zeros((2, 2), np.complex64)))
        zf.writestr(zipfile.ZipInfo('cut.npy'), npy_bytes(other)[:-4])
        zf.writestr(zipfile.ZipInfo('other.npy'), npy_bytes(other))
    expect('mixed.npz', 'good', good, 'nchw', '<f4')
    expect('mixed.npz', 'other', other, 'nchw', '<f4')

    # damaged archives
    raw = (OUT / 'stored.npz').read_bytes()
    (OUT / 'bad_truncated.npz').write_bytes(raw[: len(raw) // 2])
    (OUT / 'bad_notzip.npz').write_bytes(b'this is not a zip archive at all, just text' * 2)
    with zipfile.ZipFile(OUT / 'bad_bzip2.npz', 'w', compression=zipfile.ZIP_BZIP2) as zf:
        zf.writestr(zipfile.ZipInfo('x.npy'), npy_bytes(good), compress_type=zipfile.ZIP_BZIP2)
    (OUT / 'bad_encrypted.npz').write_bytes(plain_zip([('x.npy', 0, npy_bytes(good), None, 1)]))
    # a deflated member whose compressed data stops half-way (its header is intact)
    data = npy_bytes(rng.standard_normal((1, 4, 16, 16)).astype(np.float32))
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = comp.compress(data) + comp.flush()
    (OUT / 'bad_deflate_data.npz').write_bytes(plain_zip([('cut.npy', 8, packed[: len(packed) // 2], len(data), 0),
                                                            ('fine.npy', 0, npy_bytes(good), None, 0)]))

def plain_zip(files):
    """A zip by hand: (name, method, payload, uncompressed size or None, flags) per member."""
    out = bytearray()
    central = bytearray()
    for name, method, payload, size, flags in files:
        n = name.encode()
        size = len(payload) if size is None else size
        offset = len(out)
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, flags, method, 0, 0, 0, len(payload), size, len(n), 0) + n + payload
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, flags, method, 0, 0, 0, len(payload), size,
                               len(n), 0, 0, 0, 0, 0, offset) + n
    cd_offset = len(out)
    out += central
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(files), len(files), len(central), cd_offset, 0)
    return bytes(out)


def npy_with_header(text, data=b''):
    """A version 1.0 .npy with a header written by hand."""
    h = text.encode('latin1')
    h += b' ' * (-(10 + len(h) + 1) % 64) + b'\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h + data


def zip64_archive(files):
    """A stored zip with every size and offset in zip64 form."""
    out = bytearray()
    central = bytearray()
    for name, data in files:
        n = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        local_extra = struct.pack('<HHQQ', 1, 16, len(data), len(data))
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 45, 0, 0, 0, 0, crc, 0xffffffff, 0xffffffff, len(n), len(local_extra)) + n + local_extra + data
        extra = struct.pack('<HHQQQ', 1, 24, len(data), len(data), offset)
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 45, 45, 0, 0, 0, 0, crc, 0xffffffff, 0xffffffff,
                               len(n), len(extra), 0, 0, 0, 0, 0xffffffff) + n + extra
    cd_offset = len(out)
    out += central
    z64 = len(out)
    out += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, len(files), len(files), len(central), cd_offset)
    out += struct.pack('<IIQI', 0x07064b50, 0, z64, 1)
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0xffff, 0xffff, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0)
    return bytes(out)


# ---- .safetensors ----
ST_DTYPES = {'F16': '<f2', 'F32': '<f4', 'F64': '<f8', 'I8': 'i1', 'I16': '<i2', 'I32': '<i4', 'I64': '<i8',
             'U8': 'u1', 'U16': '<u2', 'U32': '<u4', 'U64': '<u8', 'BOOL': '?'}


def safetensors(tensors, metadata=None, order=None):
    """tensors: name -> (dtype name, shape, bytes); data laid out in `order` (default: reversed key order)."""
    names = list(tensors)
    order = order or names[::-1]
    header = {}
    data = bytearray()
    offsets = {}
    for name in order:
        dt, shape, raw = tensors[name]
        offsets[name] = (len(data), len(data) + len(raw))
        data += raw
    if metadata is not None:
        header['__metadata__'] = metadata
    for name in names:
        dt, shape, raw = tensors[name]
        header[name] = {'dtype': dt, 'shape': list(shape), 'data_offsets': list(offsets[name])}
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + bytes(data), order


def bf16(a32):
    """bfloat16 bytes by truncating float32 bits, and the float32 values they stand for."""
    bits = (np.ascontiguousarray(a32, '<f4').view('<u4') >> 16).astype('<u2')
    return bits.tobytes(), (bits.astype('<u4') << 16).view('<f4')


def safetensors_files():
    tensors, arrays = {}, {}
    shapes = [(1, 2, 3, 4), (2, 3, 4), (3, 5), (6,), (2, 4, 4, 3), (1, 3, 2, 2)]
    for k, (name, np_dt) in enumerate(ST_DTYPES.items()):
        shape = shapes[k % len(shapes)]
        a = values(np_dt, int(np.prod(shape))).reshape(shape)
        key = f'layer.{name.lower()}'
        tensors[key] = (name, shape, np.ascontiguousarray(a).tobytes())
        arrays[key] = (a, name)
    raw, a = bf16(rng.standard_normal((2, 2, 3, 3)).astype(np.float32) * 10)
    tensors['layer.bf16'] = ('BF16', (2, 2, 3, 3), raw)
    arrays['layer.bf16'] = (a.reshape(2, 2, 3, 3), 'BF16')
    blob, order = safetensors(tensors, metadata={'format': 'pt'})
    (OUT / 'all_dtypes.safetensors').write_bytes(blob)
    for name in order:
        a, dt = arrays[name]
        layout = 'nhwc' if a.shape == (2, 4, 4, 3) else 'nchw'
        expect('all_dtypes.safetensors', name, a, layout, dt)

    # good tensors next to bad ones
    g = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    h = rng.standard_normal((2, 2, 2)).astype(np.float32)
    blob, _ = safetensors({
        'good': ('F32', g.shape, g.tobytes()),
        'fp8': ('F8_E4M3', (2, 2), b'\0' * 4),
        'cplx': ('C64', (2,), b'\0' * 16),
        'short': ('F32', (2, 3), b'\0' * 20),
        'empty': ('F32', (2, 0, 3), b''),
        'also_good': ('F32', h.shape, h.tobytes()),
    }, order=['good', 'fp8', 'cplx', 'short', 'empty', 'also_good'])
    (OUT / 'partial.safetensors').write_bytes(blob)
    expect('partial.safetensors', 'good', g, 'nchw', 'F32')
    expect('partial.safetensors', 'also_good', h, 'nchw', 'F32')

    # overlapping tensors (a: bytes 0-64, b: 32-96), a good one after them
    data = rng.standard_normal(24).astype(np.float32).tobytes()
    c = rng.standard_normal((1, 1, 2, 2)).astype(np.float32)
    header = {'a': {'dtype': 'F32', 'shape': [4, 4], 'data_offsets': [0, 64]},
              'b': {'dtype': 'F32', 'shape': [4, 4], 'data_offsets': [32, 96]},
              'c': {'dtype': 'F32', 'shape': [1, 1, 2, 2], 'data_offsets': [96, 112]}}
    h = json.dumps(header).encode()
    (OUT / 'bad_overlap.safetensors').write_bytes(struct.pack('<Q', len(h)) + h + data + c.tobytes())
    expect('bad_overlap.safetensors', 'c', c, 'nchw', 'F32')

    header = {'x': {'dtype': 'F32', 'shape': [2, 2], 'data_offsets': [0, 160]}}
    h = json.dumps(header).encode()
    (OUT / 'bad_offsets.safetensors').write_bytes(struct.pack('<Q', len(h)) + h + b'\0' * 16)
    (OUT / 'bad_header_length.safetensors').write_bytes(struct.pack('<Q', 10**6) + b'{"x": 1}')
    h = b'{"x": {"dtype": "F32", "shape": [2], '
    (OUT / 'bad_json.safetensors').write_bytes(struct.pack('<Q', len(h)) + h + b'\0' * 8)


# ---- bad .npy and unknown files ----
def bad_files():
    good = npy_bytes(rng.standard_normal((2, 3, 4, 4)).astype(np.float32))  # 384 data bytes
    (OUT / 'bad_truncated.npy').write_bytes(good[:-4])
    (OUT / 'bad_magic.npy').write_bytes(b'hello, I am text and not numpy\n')
    (OUT / 'bad_header_length.npy').write_bytes(good[:8] + struct.pack('<H', 60000) + good[10:60])
    (OUT / 'bad_header_cut.npy').write_bytes(good[:40])
    (OUT / 'bad_complex.npy').write_bytes(npy_bytes(np.zeros((2, 2), np.complex64)))
    (OUT / 'bad_complex128.npy').write_bytes(npy_bytes(np.zeros((2, 2), np.complex128)))
    f = io.BytesIO()
    np.save(f, np.array([{'a': 1}, None], dtype=object), allow_pickle=True)
    (OUT / 'bad_object.npy').write_bytes(f.getvalue())
    (OUT / 'bad_structured.npy').write_bytes(npy_bytes(np.zeros(3, dtype=[('x', '<f4'), ('y', '<i4')])))
    (OUT / 'bad_string.npy').write_bytes(npy_bytes(np.array(['ab', 'cde'])))
    (OUT / 'bad_datetime.npy').write_bytes(npy_bytes(np.array(['2024-01-01'], dtype='datetime64[D]')))
    (OUT / 'bad_zero_axis.npy').write_bytes(npy_bytes(np.zeros((2, 0, 3), np.float32)))
    (OUT / 'bad_five_axes.npy').write_bytes(npy_bytes(np.zeros((1, 1, 2, 2, 2), np.float32)))
    (OUT / 'bad_scalar.npy').write_bytes(npy_bytes(np.array(3.5, np.float32)))
    raw = bytearray(npy_bytes(np.zeros((2, 2), np.float32)))
    raw[6] = 9
    (OUT / 'bad_version.npy').write_bytes(bytes(raw))
    (OUT / 'bad_header_syntax.npy').write_bytes(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os'), }", b'\0' * 16))
    (OUT / 'bad_header_noshape.npy').write_bytes(npy_with_header("{'descr': '<f4', 'fortran_order': False, }", b'\0' * 16))
    (OUT / 'bad_longdouble.npy').write_bytes(npy_with_header("{'descr': '<f16', 'fortran_order': False, 'shape': (2,), }", b'\0' * 32))
    (OUT / 'empty.npy').write_bytes(b'')
    (OUT / 'unknown.bin').write_bytes(bytes(range(64)))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    dtypes_files()
    shapes_files()
    npz_files()
    safetensors_files()
    bad_files()
    (OUT / 'expected.json').write_text(json.dumps(expected, indent=0, allow_nan=False) + '\n')
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f'{len(list(OUT.iterdir()))} files, {total} bytes in {OUT}')


if __name__ == '__main__':
    main()
