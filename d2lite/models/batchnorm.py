"""Batch normalization from scratch: batch statistics in training, moving averages at prediction."""
from mxnet import autograd, gluon, init, np


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps=1e-5,
               momentum=0.9):
    """Normalize ``X`` per feature (2-D input) or per channel (4-D, axis 1).

    In training (inside ``autograd.record()``) it uses the mean and variance
    of the batch and returns the moving averages updated with them,
    ``momentum * old + (1 - momentum) * batch``; at prediction it uses
    ``moving_mean`` and ``moving_var`` and returns them unchanged.
    ``gamma``, ``beta`` and the statistics have one entry per feature (or
    channel).
    Returns ``(Y, moving_mean, moving_var)``.
    """
    if X.ndim not in (2, 4):
        raise ValueError(f"batch_norm takes (n, features) or "
                         f"(n, channels, h, w) input, got shape {X.shape}")
    # broadcast over all but axis 1
    shape = (1, -1) if X.ndim == 2 else (1, -1, 1, 1)
    axes = (0,) if X.ndim == 2 else (0, 2, 3)
    if autograd.is_training():
        mean = X.mean(axis=axes)
        # biased, as MXNet's
        var = ((X - mean.reshape(shape)) ** 2).mean(axis=axes)
        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_var = momentum * moving_var + (1 - momentum) * var
    else:
        mean, var = moving_mean, moving_var
    X_hat = (X - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    Y = gamma.reshape(shape) * X_hat + beta.reshape(shape)
    return Y, moving_mean, moving_var


class BatchNorm(gluon.nn.Block):
    """A batch-normalization layer built on :func:`batch_norm`, for
    ``num_features`` features (after ``Dense``) or channels (after a
    convolution).

    Its parameters have the names and shapes of ``gluon.nn.BatchNorm``'s:
    ``gamma`` (starts at 1) and ``beta`` (at 0) are learned;
    ``running_mean`` and ``running_var`` (at 0 and 1) are updated in
    training, not by the optimizer: in the forward pass (Gluon's layer does
    it in the backward pass). A plain ``Block``: it runs imperatively and
    cannot be hybridized.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.9, **kwargs):
        super().__init__(**kwargs)
        self.eps, self.momentum = eps, momentum
        shape = (num_features,)
        self.gamma = self.params.get("gamma", shape=shape, init=init.One())
        self.beta = self.params.get("beta", shape=shape, init=init.Zero())
        self.running_mean = self.params.get(
            "running_mean", shape=shape, init=init.Zero(),
            grad_req="null", differentiable=False)
        self.running_var = self.params.get(
            "running_var", shape=shape, init=init.One(),
            grad_req="null", differentiable=False)

    def forward(self, X):
        ctx = X.ctx
        Y, mean, var = batch_norm(
            X, self.gamma.data(ctx), self.beta.data(ctx),
            self.running_mean.data(ctx), self.running_var.data(ctx),
            self.eps, self.momentum)
        if autograd.is_training():
            self.running_mean.set_data(mean.detach())
            self.running_var.set_data(var.detach())
        return Y
