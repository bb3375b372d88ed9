"""Batch normalization from scratch against its definition and gluon.nn.BatchNorm."""
import pytest
from mxnet import autograd, np
from mxnet.gluon import nn

import d2lite
from d2lite.models.batchnorm import BatchNorm, batch_norm

SHAPES = [(16, 5), (8, 3, 4, 4)]


def _pair(shape, seed=0):
    """Gluon's layer and ours with the same random gamma and beta."""
    d2lite.set_seed(seed)
    channels = shape[1]
    ref, mine = nn.BatchNorm(in_channels=channels), BatchNorm(channels)
    ref.initialize()
    mine.initialize()
    gamma = np.random.normal(1, 0.5, (channels,))
    beta = np.random.normal(0, 1, (channels,))
    for layer in (ref, mine):
        layer.gamma.set_data(gamma)
        layer.beta.set_data(beta)
    return ref, mine


@pytest.mark.parametrize("shape", SHAPES)
def test_training_normalizes_each_feature_over_the_batch(shape):
    X = np.random.normal(3, 5, shape)
    ones, zeros = np.ones(shape[1]), np.zeros(shape[1])
    with autograd.record():
        Y, mean, var = batch_norm(X, ones, zeros, zeros, ones)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    assert abs(Y.mean(axis=axes)).max() < 1e-5
    assert abs(Y.var(axis=axes) - 1).max() < 1e-3
    # moving averages: 0.9 * old + 0.1 * the batch's (biased) statistics
    assert abs(mean - 0.1 * X.mean(axis=axes)).max() < 1e-5
    assert abs(var - (0.9 + 0.1 * X.var(axis=axes))).max() < 1e-4


@pytest.mark.parametrize("shape", SHAPES)
def test_prediction_uses_the_moving_averages_and_keeps_them(shape):
    X = np.random.normal(0, 1, shape)
    c = shape[1]
    gamma, beta = np.full(c, 2.0), np.full(c, 0.5)
    mean, var = np.arange(c, dtype="float32"), np.full(c, 4.0)
    Y, mean_out, var_out = batch_norm(X, gamma, beta, mean, var, eps=0.0)
    bshape = (1, c) if len(shape) == 2 else (1, c, 1, 1)
    expected = 2.0 * (X - mean.reshape(bshape)) / 2.0 + 0.5
    assert abs(Y - expected).max() < 1e-6
    assert (mean_out == mean).all() and (var_out == var).all()
    # one example alone gets the same output as inside the batch
    Y0, _, _ = batch_norm(X[:1], gamma, beta, mean, var, eps=0.0)
    assert abs(Y0 - Y[:1]).max() < 1e-6


@pytest.mark.parametrize("shape", SHAPES)
def test_matches_gluon_batchnorm_in_training_and_prediction(shape):
    ref, mine = _pair(shape)
    for _ in range(3):
        X = np.random.normal(2, 3, shape)
        for layer in (ref, mine):
            X.attach_grad()
            with autograd.record():
                Y = layer(X)
                J = (Y * np.arange(Y.size).reshape(Y.shape) / Y.size).sum()
            J.backward()   # Gluon's layer updates its statistics in the backward pass
            layer.out, layer.dX = Y, X.grad.copy()
        assert abs(ref.out - mine.out).max() < 1e-5
        assert abs(ref.dX - mine.dX).max() < 1e-5
        for name in ("gamma", "beta"):
            assert abs(getattr(ref, name).grad() - getattr(mine, name).grad()).max() < 1e-4
        for name in ("running_mean", "running_var"):
            assert abs(getattr(ref, name).data() - getattr(mine, name).data()).max() < 1e-5
    X = np.random.normal(2, 3, shape)
    assert abs(ref(X) - mine(X)).max() < 1e-5          # prediction: moving averages
    assert abs(mine(X) - mine(X[::-1])[::-1]).max() < 1e-5


def test_statistics_are_not_trained_and_other_shapes_fail():
    layer = BatchNorm(4)
    layer.initialize()
    assert layer.running_mean.grad_req == "null" and layer.running_var.grad_req == "null"
    assert layer.gamma.grad_req == "write" and layer.beta.grad_req == "write"
    assert (layer.gamma.data() == 1).all() and (layer.running_var.data() == 1).all()
    assert (layer.beta.data() == 0).all() and (layer.running_mean.data() == 0).all()
    before = layer.running_mean.data().copy()
    layer(np.ones((2, 4)))    # prediction leaves the statistics alone
    assert (layer.running_mean.data() == before).all()
    with pytest.raises(ValueError, match="shape"):
        batch_norm(np.ones((2, 3, 4)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
