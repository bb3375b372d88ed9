"""Softmax regression from scratch: probabilities from evidence, and their loss."""
from mxnet import np


def softmax(Z):
    """Turn each row of evidence (logits) ``Z`` into probabilities that sum to 1.

    Subtracting each row's maximum first changes nothing mathematically
    (softmax ignores a constant added to a row) but keeps ``exp`` from
    overflowing when the evidence is large.
    """
    Z_exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return Z_exp / Z_exp.sum(axis=1, keepdims=True)


def cross_entropy(Y_hat, y):
    """Cross-entropy loss of each example: minus the log-probability of its label.

    ``Y_hat`` holds probabilities ``(n, classes)``, ``y`` the ``n`` labels.
    """
    return -np.log(Y_hat[np.arange(len(y), ctx=Y_hat.ctx), y.astype("int64")])
