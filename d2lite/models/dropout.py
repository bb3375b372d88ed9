"""Dropout from scratch: zero random activations while training."""
from mxnet import np


def dropout(X, p):
    """Zero each entry of ``X`` with probability ``p``; scale the rest by
    1/(1-p).

    The scaling keeps the expected value of every entry unchanged. ``p=0``
    returns ``X`` itself and ``p=1`` all zeros; ``p`` outside [0, 1] is a
    ValueError.
    """
    if not 0 <= p <= 1:
        raise ValueError(
            f"dropout probability p must be in [0, 1], got {p}")
    if p == 0:
        return X
    if p == 1:
        return np.zeros_like(X)
    mask = np.random.uniform(0, 1, X.shape, ctx=X.ctx) > p
    return mask.astype(X.dtype) * X / (1.0 - p)
