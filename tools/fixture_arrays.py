"""Helpers shared by the reader fixture scripts: arrays as the readers must give them."""
import base64

import numpy as np


def b64(a):
    """A float32 little-endian array as base64 (how expected.json carries values)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype='<f4').tobytes()).decode()


def nchw(a, layout):
    """The array as [N, C, H, W] float32, the way the readers must give it."""
    a = np.asarray(a)
    if a.ndim == 1:
        a = a.reshape(1, 1, 1, -1)
    elif a.ndim == 2:
        a = a.reshape(1, 1, *a.shape)
    elif a.ndim == 3:
        a = a[None]
        if layout == 'nhwc':
            a = a.transpose(0, 3, 1, 2)
    elif layout == 'nhwc':
        a = a.transpose(0, 3, 1, 2)
    with np.errstate(over='ignore'):
        return np.ascontiguousarray(a.astype(np.float32))
