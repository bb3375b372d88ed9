"""Synthetic data with a known answer, and the simplest data loader."""
import numpy as onp
from mxnet import gluon, np

from ..utils import _check_int


def synthetic_data(w, b, num_examples, noise=0.01):
    """Draw ``X ~ N(0, 1)``; return ``(X, y)`` with ``y = X w + b + noise``.

    ``w`` holds one weight per feature, shape ``(d,)`` or ``(d, 1)``.
    ``X`` has shape ``(num_examples, d)`` and ``y`` has shape
    ``(num_examples, 1)``; ``noise`` is the standard deviation of the
    Gaussian noise added to ``y``.
    """
    w = np.array(w)
    if (w.ndim not in (1, 2) or w.ndim == 2 and w.shape[1] != 1
            or w.size == 0):
        raise ValueError(f"w must hold one weight per feature, "
                         f"shape (d,) or (d, 1), got shape {w.shape}")
    X = np.random.normal(0, 1, (num_examples, len(w)))
    y = np.dot(X, w) + b
    y = y + np.random.normal(0, noise, y.shape)
    return X, y.reshape(-1, 1)


def load_array(data_arrays, batch_size, is_train=True):
    """Wrap arrays of equal length in a Gluon ``DataLoader``.

    ``data_arrays`` is a tuple such as ``(X, y)`` of MXNet or NumPy arrays
    (for a single array, a 1-tuple ``(X,)``: a bare array is a TypeError);
    ``batch_size`` is a positive integer. Batches are shuffled when
    ``is_train`` is true. Each batch is a tuple of MXNet arrays on the
    device of the first input array (CPU for NumPy).
    """
    if (hasattr(data_arrays, "shape")
            or not isinstance(data_arrays, (tuple, list))):
        raise TypeError(f"load_array wants a tuple of arrays such as "
                        f"(X, y), got a {type(data_arrays).__name__}; "
                        f"for a single array X write (X,)")
    if not data_arrays:
        raise ValueError("load_array needs at least one array, "
                         "got an empty tuple")
    batch_size = _check_int(batch_size, "batch_size", 1)
    lengths = [len(a) for a in data_arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"the arrays must have one row per example, "
                         f"the same number each; got lengths {lengths}")
    ctx = getattr(data_arrays[0], "ctx", None)
    # Indexing NumPy arrays is much faster than indexing MXNet arrays one
    # example at a time, so the data set holds NumPy copies.
    host = [a.asnumpy() if hasattr(a, "asnumpy") else onp.asarray(a)
            for a in data_arrays]

    def batchify(samples):
        if len(host) == 1:
            # a single array: batches are arrays, not 1-tuples
            return np.array(onp.stack(samples), ctx=ctx,
                            dtype=host[0].dtype)
        return tuple(
            np.array(onp.stack(column), ctx=ctx, dtype=array.dtype)
            for column, array in zip(zip(*samples), host))

    dataset = gluon.data.ArrayDataset(*host)
    return gluon.data.DataLoader(dataset, batch_size, shuffle=is_train,
                                 batchify_fn=batchify)
