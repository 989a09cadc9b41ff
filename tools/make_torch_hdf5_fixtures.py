#!/usr/bin/python3
"""Writes the PyTorch (.pt) and HDF5 (.h5) reader fixtures into test/fixtures/torch_hdf5/.

    /usr/bin/python3 tools/make_torch_hdf5_fixtures.py     # from the repository root

Needs Debian's python3-torch and python3-h5py (they live in /usr/bin/python3's dist-packages) and
the numpy reference spec/srop_ref.py (spec/SROP.md).

Good files: torch.save of a single tensor, of forward-hook activations (a dict), of nested dicts,
OrderedDicts, lists and tuples, of every real dtype (float16 and bfloat16 included), and of views
(a storage offset, a transposed tensor, channels-last memory, an expanded tensor, tensors sharing
one storage, a parameter); h5py files with nested groups, every real dtype in both byte orders,
chunked and gzip-compressed datasets, creation order tracked. Each good file has a twin .npz
holding the same arrays under the same names (bfloat16 as the float32 values it stands for), so
that the tests can check both give the same SROPs.

expected.json, per file, per layer: the stored shape, dtype, layout used (auto), normalised shape,
the maps as base64 little-endian float32 ([N, C, H, W] order, numpy's float32 conversion), and the
numpy reference's SROP, ring, energy and status of every map (kappa 0.85, dc keep, domain disc,
interpolate), in the same form the readers' fixtures use. Bad files are checked by the tests
against the reasons they must give. Deterministic: fixed seeds.
"""
import collections
import json
import pickle
import sys
from pathlib import Path

import h5py
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'spec'))
import srop_ref  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_arrays import b64, nchw  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'torch_hdf5'
PARAMS = dict(kappa=0.85, dc='keep', domain='disc', interpolate=True)
torch.manual_seed(20241201)
rng = np.random.default_rng(20241201)
expected = {}


def reference(v):
    """The numpy reference's answer for every map of an [N, C, H, W] float32 array."""
    maps = v.reshape(-1, v.shape[-2], v.shape[-1]).astype(np.float64)
    return [srop_ref.srop(m, **PARAMS) for m in maps]


def expect(fname, name, a, layout, dtype):
    """a: the array as numpy (float values exactly those the file holds)."""
    v = nchw(a, layout)
    expected.setdefault(fname, []).append(dict(name=name, storedShape=list(a.shape), dtype=dtype, layout=layout,
                                               shape=list(v.shape), values=b64(v), reference=reference(v)))


def as_numpy(t):
    """A tensor's values as numpy; bfloat16 as the float32 values it stands for."""
    t = t.detach()
    if t.dtype == torch.bfloat16:
        return t.float().numpy()
    return t.numpy()


def twin(fname, arrays):
    """The same arrays in an .npz (acts.h5 -> acts.h5.npz), under the same names."""
    np.savez(OUT / (fname + '.npz'), **{k: np.ascontiguousarray(v) for k, v in arrays.items()})


TORCH_NAMES = {torch.float16: 'float16', torch.bfloat16: 'bfloat16', torch.float32: 'float32', torch.float64: 'float64',
               torch.int8: 'int8', torch.int16: 'int16', torch.int32: 'int32', torch.int64: 'int64',
               torch.uint8: 'uint8', torch.bool: 'bool'}


def save_pt(fname, obj, entries, layouts=None):
    """entries: layer name -> tensor, in the order the reader must give them."""
    torch.save(obj, OUT / fname)
    arrays = {}
    for name, t in entries.items():
        a = as_numpy(t)
        layout = (layouts or {}).get(name, 'nchw')
        expect(fname, name, a, layout, TORCH_NAMES[t.dtype])
        arrays[name] = a
    twin(fname, arrays)


def relu_like(*shape, dtype=torch.float32):
    x = torch.randn(*shape)
    return torch.maximum(x, 0.3 * torch.randn(*shape)).to(dtype)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.relu1 = torch.nn.ReLU()
        self.layer1 = torch.nn.Sequential(torch.nn.Conv2d(6, 5, 3, stride=2, padding=1), torch.nn.ReLU())

    def forward(self, x):
        return self.layer1(self.relu1(self.conv1(x)))


class Subclassed(torch.Tensor):
    """A tensor subclass, as libraries define them (pickled as __main__.Subclassed)."""


def torch_files():
    # a single tensor: one layer named by the file
    t = relu_like(2, 3, 13, 17)
    save_pt('single.pt', t, {'single': t})

    # forward hooks, as the README shows them
    net = Net().eval()
    acts = {}
    for name, module in net.named_modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ReLU)):
            module.register_forward_hook(lambda m, i, o, name=name: acts.__setitem__(name, o.detach()))
    with torch.no_grad():
        net(torch.randn(2, 3, 15, 15))
    save_pt('hooks.pt', acts, dict(acts))

    # nested containers: dotted names, list and tuple indices
    a, b, c, d, e = relu_like(1, 4, 6, 6), relu_like(1, 2, 5, 7), relu_like(3, 5, 5), relu_like(6, 9), relu_like(1, 3, 4, 4)
    nested = collections.OrderedDict([('block1', {'conv': a, 'relu': b}), ('block2', collections.OrderedDict(out=c)),
                                      ('stages', [d, (e,)])])
    save_pt('nested.pth', nested, {'block1.conv': a, 'block1.relu': b, 'block2.out': c, 'stages.0': d, 'stages.1.0': e})

    # a list at the top: named by index
    f, g = relu_like(2, 2, 7, 7), relu_like(1, 3, 8, 6)
    save_pt('list.pt', [f, g], {'0': f, '1': g})

    # every real dtype
    tensors = {}
    for k, dt in enumerate(TORCH_NAMES):
        shape = [(2, 3, 4, 5), (3, 4, 6), (5, 7), (1, 2, 3, 3)][k % 4]
        if dt.is_floating_point:
            x = torch.randn(*shape, dtype=torch.float64) * 50
            x.view(-1)[:4] = torch.tensor([0.1, -0.0, 1 / 3, 1e-3], dtype=torch.float64)
            x = x.to(dt)
        elif dt == torch.bool:
            x = torch.randint(0, 2, shape).bool()
        else:
            info = torch.iinfo(dt)
            x = torch.randint(max(info.min, -2**62), min(info.max, 2**62), shape, dtype=dt)
            x.view(-1)[:2] = torch.tensor([info.min, info.max], dtype=dt)
        tensors[TORCH_NAMES[dt]] = x
    save_pt('dtypes.pt', tensors, tensors)

    # views: offsets, strides, shared storages, parameters
    base = relu_like(4, 3, 6, 7)
    shared = relu_like(5, 2, 4, 4)
    nhwc = relu_like(2, 9, 9, 3)
    views = {
        'offset': base[2],                                # [3, 6, 7] at storage offset 2 * 126
        'transposed': base[1].transpose(1, 2),            # [3, 7, 6]: non-contiguous strides
        'permuted': nhwc.permute(0, 3, 1, 2),             # NHWC memory read as [N, C, H, W]
        'channels_last': relu_like(2, 5, 6, 6).to(memory_format=torch.channels_last),
        'expanded': relu_like(1, 1, 5, 6).expand(2, 3, 5, 6),  # stride 0
        'shared_a': shared[0:3],
        'shared_b': shared[2:5, 1],                       # the same storage, overlapping shared_a
        'param': torch.nn.Parameter(relu_like(1, 2, 5, 5)),
        'sliced': base[:, 1:3, 1:5, 2:6],                 # every axis strided, an offset
    }
    save_pt('views.pt', views, views)

    # good and bad entries side by side
    good, other = relu_like(1, 2, 6, 6), relu_like(1, 3, 5, 5)
    mixed = {
        'good': good,
        'layer3': np.ones((2, 3, 4, 4), np.float32),      # a numpy array: numpy.core.multiarray._reconstruct
        'five': relu_like(1, 2, 2, 3, 3),                 # 5-D
        'cplx': torch.randn(2, 3, 3, dtype=torch.complex64),
        'sub': relu_like(1, 2, 4, 4).as_subclass(Subclassed),
        'epoch': 3,
        'other': other,
    }
    torch.save(mixed, OUT / 'bad_mixed.pt')
    for name, t in (('good', good), ('other', other)):
        expect('bad_mixed.pt', name, as_numpy(t), 'nchw', 'float32')

    # whole-file problems
    torch.save({'x': relu_like(1, 2, 4, 4)}, OUT / 'bad_legacy.pt', _use_new_zipfile_serialization=False)
    with open(OUT / 'bad_pickle.pt', 'wb') as fh:
        pickle.dump({'x': [1.0, 2.0]}, fh, protocol=2)
    raw = (OUT / 'single.pt').read_bytes()
    (OUT / 'bad_truncated.pt').write_bytes(raw[: len(raw) // 2])
    torch.save({'lr': 0.1, 'names': ['a', 'b']}, OUT / 'bad_no_tensors.pt')
    scripted = torch.jit.script(torch.nn.ReLU())
    torch.jit.save(scripted, str(OUT / 'bad_torchscript.pt'))


H5_DTYPES = ['<f2', '<f4', '<f8', '>f4', '>f8', 'i1', '<i2', '>i4', '<i8', 'u1', '>u2', '<u4', '<u8']


def h5_files():
    layouts = {}
    arrays = {}
    with h5py.File(OUT / 'acts.h5', 'w') as f:
        # by name within each group (h5py's default): block1, conv1, deep, fc, nhwc
        a = rng.standard_normal((2, 3, 13, 17)).astype(np.float32)
        f['conv1'] = a
        arrays['conv1'] = a
        g = f.create_group('block1')
        b = np.maximum(rng.standard_normal((1, 4, 16, 16)), 0).astype(np.float16)
        g.create_dataset('relu', data=b, chunks=(1, 2, 8, 8), compression='gzip', compression_opts=6, shuffle=True)
        deep = g.create_group('deep')
        c = rng.standard_normal((3, 5, 6)).astype('>f8')
        deep.create_dataset('x', data=c, chunks=(1, 5, 3), compression='gzip')
        f['fc'] = rng.standard_normal((4, 9)).astype(np.float32)
        n = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
        f.create_dataset('nhwc', data=n, chunks=(1, 4, 4, 3), compression='gzip')
        f['labels'] = np.arange(10)                      # 1-D: passed over
        f['step'] = np.int64(7)                         # a scalar: passed over
        arrays.update({'block1/relu': b, 'block1/deep/x': c, 'fc': f['fc'][()], 'nhwc': n})
        layouts['nhwc'] = 'nhwc'
    order = ['block1/deep/x', 'block1/relu', 'conv1', 'fc', 'nhwc']
    for name in order:
        expect('acts.h5', name, arrays[name], layouts.get(name, 'nchw'), np.dtype(arrays[name].dtype).str)
    twin('acts.h5', {k: arrays[k] for k in order})

    # every real dtype, in creation order (tracked), a large chunked one read in several pieces
    arrays = {}
    with h5py.File(OUT / 'dtypes.hdf5', 'w', track_order=True) as f:
        for k, dt in enumerate(H5_DTYPES):
            shape = [(2, 3, 4, 5), (3, 4, 6), (5, 7), (1, 2, 3, 3)][k % 4]
            dtype = np.dtype(dt)
            if dtype.kind == 'f':
                x = (rng.standard_normal(shape) * 40).astype(dtype)
            else:
                info = np.iinfo(dtype)
                x = rng.integers(info.min, info.max, shape, endpoint=True, dtype=dtype.newbyteorder('=')).astype(dtype)
                x.reshape(-1)[:2] = [info.min, info.max]
            name = f'z_{dt.replace("<", "le_").replace(">", "be_")}' if k == 0 else dt.replace('<', 'le_').replace('>', 'be_')
            f.create_dataset(name, data=x)
            arrays[name] = x
        big = rng.standard_normal((1, 12, 24, 24)).astype(np.float32)
        f.create_dataset('big', data=big, chunks=(1, 3, 12, 12), compression='gzip')
        arrays['big'] = big
    for name, x in arrays.items():
        layout = 'nchw'
        expect('dtypes.hdf5', name, x, layout, x.dtype.str)
    twin('dtypes.hdf5', arrays)

    # good and bad datasets side by side
    with h5py.File(OUT / 'bad_mixed.h5', 'w', track_order=True) as f:
        good = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
        f['good'] = good
        f['five'] = np.zeros((1, 2, 2, 3, 3), np.float32)
        f['cplx'] = np.zeros((2, 3, 3), np.complex64)
        f['flags'] = np.zeros((2, 4, 4), bool)
        f['record'] = np.zeros((3, 3), dtype=[('x', '<f4'), ('y', '<i4')])
        f['text'] = np.array([['a', 'b'], ['c', 'd']], dtype='S1')
        f['zero'] = np.zeros((2, 0, 3), np.float32)
        other = rng.standard_normal((1, 3, 5, 5)).astype(np.float32)
        f['other'] = other
    expect('bad_mixed.h5', 'good', good, 'nchw', '<f4')
    expect('bad_mixed.h5', 'other', other, 'nchw', '<f4')

    with h5py.File(OUT / 'bad_only_vectors.h5', 'w') as f:
        f['labels'] = np.arange(5)
        f['loss'] = np.float64(0.25)

    # a gzip chunk damaged: the file opens, the maps in that chunk fail, the others read
    data = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
    with h5py.File(OUT / 'bad_chunk.h5', 'w') as f:
        ds = f.create_dataset('x', data=data, chunks=(1, 1, 8, 8), compression='gzip')
        info = ds.id.get_chunk_info(2)
        where, size = info.byte_offset, info.size
    raw = bytearray((OUT / 'bad_chunk.h5').read_bytes())
    for i in range(where + 2, where + size - 4):
        raw[i] ^= 0x5a
    (OUT / 'bad_chunk.h5').write_bytes(bytes(raw))
    expect('bad_chunk.h5', 'x', data, 'nchw', '<f4')

    raw = (OUT / 'acts.h5').read_bytes()
    (OUT / 'bad_truncated.h5').write_bytes(raw[:3000])
    (OUT / 'bad_not_hdf5.h5').write_bytes(b'these are words, not an HDF5 file\n' * 3)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    torch_files()
    h5_files()
    (OUT / 'expected.json').write_text(json.dumps(expected, indent=0, allow_nan=False) + '\n')
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f'{len(list(OUT.iterdir()))} files, {total} bytes in {OUT}')


if __name__ == '__main__':
    main()
