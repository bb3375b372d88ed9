"""Softmax regression from scratch: probabilities from evidence, and their loss."""
from mxnet import np

from ..utils import _check_labels


def softmax(Z):
    """Turn each row of evidence (logits) ``Z`` into probabilities that sum
    to 1.

    Subtracting each row's maximum first changes nothing mathematically
    (softmax ignores a constant added to a row) but keeps ``exp`` from
    overflowing when the evidence is large.
    """
    Z_exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return Z_exp / Z_exp.sum(axis=1, keepdims=True)


def cross_entropy(Y_hat, y):
    """Cross-entropy loss of each example: minus the log-probability of its
    label.

    ``Y_hat`` holds probabilities ``(n, classes)``, ``y`` the ``n`` labels,
    class indices in ``[0, classes)``: anything else is a ValueError (MXNet
    does not check the indices it picks with).
    """
    if Y_hat.ndim != 2 or y.shape != (Y_hat.shape[0],):
        raise ValueError(f"cross_entropy needs probabilities (n, classes) "
                         f"and n labels, got shapes {Y_hat.shape} and "
                         f"{y.shape}")
    _check_labels(y, Y_hat.shape[1])
    return -np.log(Y_hat[np.arange(len(y), ctx=Y_hat.ctx),
                         y.astype("int64")])
