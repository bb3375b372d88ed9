"""Synthetic data with a known answer, and the simplest data loader."""
import numpy as onp
from mxnet import gluon, np


def synthetic_data(w, b, num_examples, noise=0.01):
    """Draw ``X ~ N(0, 1)`` and return ``(X, y)`` with ``y = X w + b + noise``.

    ``X`` has shape ``(num_examples, len(w))`` and ``y`` has shape
    ``(num_examples, 1)``; ``noise`` is the standard deviation of the
    Gaussian noise added to ``y``.
    """
    w = np.array(w)
    X = np.random.normal(0, 1, (num_examples, len(w)))
    y = np.dot(X, w) + b
    y = y + np.random.normal(0, noise, y.shape)
    return X, y.reshape(-1, 1)


def load_array(data_arrays, batch_size, is_train=True):
    """Wrap arrays of equal length in a Gluon ``DataLoader``.

    ``data_arrays`` is a tuple such as ``(X, y)`` of MXNet or NumPy arrays;
    batches are shuffled when ``is_train`` is true. Each batch is a tuple of
    MXNet arrays on the device of the first input array (CPU for NumPy).
    """
    ctx = getattr(data_arrays[0], "ctx", None)
    # Indexing NumPy arrays is much faster than indexing MXNet arrays one
    # example at a time, so the data set holds NumPy copies.
    host = [a.asnumpy() if hasattr(a, "asnumpy") else onp.asarray(a) for a in data_arrays]

    def batchify(samples):
        if len(host) == 1:  # a single array: batches are arrays, not 1-tuples
            return np.array(onp.stack(samples), ctx=ctx, dtype=host[0].dtype)
        return tuple(np.array(onp.stack(column), ctx=ctx, dtype=array.dtype)
                     for column, array in zip(zip(*samples), host))

    dataset = gluon.data.ArrayDataset(*host)
    return gluon.data.DataLoader(dataset, batch_size, shuffle=is_train, batchify_fn=batchify)
