"""Synthetic data with a known answer, and the simplest data loader."""
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

    ``data_arrays`` is a tuple such as ``(X, y)``; batches are shuffled when
    ``is_train`` is true.
    """
    dataset = gluon.data.ArrayDataset(*data_arrays)
    return gluon.data.DataLoader(dataset, batch_size, shuffle=is_train)
