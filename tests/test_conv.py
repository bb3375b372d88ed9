"""Convolution and pooling from scratch against their definitions, MXNet's operators and autograd."""
import itertools

import pytest
from mxnet import autograd, np, npx
from mxnet.gluon import nn

import d2lite
from d2lite.models.conv import (
    conv_output_shape, corr2d, corr2d_backward, corr2d_multi_in, corr2d_multi_in_out, fashion_cnn,
    lenet, max_pool2d_backward, pool2d,
)


def _random(*shape, seed=0):
    d2lite.set_seed(seed)
    return np.random.normal(0, 1, shape).astype("float64")


def test_corr2d_on_a_small_example_by_hand():
    X = np.arange(9.0).reshape(3, 3)
    K = np.array([[0.0, 1.0], [2.0, 3.0]])
    expected = np.array([[19.0, 25.0], [37.0, 43.0]])
    assert (corr2d(X, K) == expected).all()


def test_corr2d_is_a_cross_correlation_not_a_convolution():
    X = np.zeros((3, 3))
    X[0, 0] = 1.0
    K = np.array([[1.0, 2.0], [3.0, 4.0]])
    # the single 1 at the top left only meets K[0, 0]
    assert corr2d(X, K)[0, 0] == 1.0 and corr2d(X, K).sum() == 1.0


@pytest.mark.parametrize("h, w, k, padding, stride",
                         [(7, 9, (3, 2), 0, 1), (7, 9, (3, 3), 1, 2), (8, 8, (5, 5), 2, 1),
                          (6, 10, (2, 4), (1, 0), (2, 3))])
def test_corr2d_matches_mxnet_convolution(h, w, k, padding, stride):
    X, K = _random(2, 1, h, w), _random(*k, seed=1)
    p, s = (padding, padding) if isinstance(padding, int) else padding, \
        (stride, stride) if isinstance(stride, int) else stride
    ref = npx.convolution(X, K.reshape((1, 1) + k), kernel=k, num_filter=1, no_bias=True,
                          pad=p, stride=s)
    Y = corr2d(X, K, padding, stride)
    assert Y.shape == ref.shape
    assert abs(Y - ref).max() < 1e-12


def test_output_shape_formula_matches_gluon_conv2d_on_a_grid():
    for n, k, p, s in itertools.product((5, 8, 28), (1, 2, 3, 5), (0, 1, 2), (1, 2, 3)):
        if n + 2 * p < k:
            continue
        layer = nn.Conv2D(1, kernel_size=k, padding=p, strides=s)
        layer.initialize()
        out = layer(np.zeros((1, 1, n, n)))
        assert conv_output_shape(n, k, p, s) == out.shape[2:], (n, k, p, s)


def test_output_shape_rejects_a_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError):
        conv_output_shape(3, 5)
    with pytest.raises(ValueError):
        conv_output_shape(5, 3, stride=0)


def test_multi_channel_correlation_matches_mxnet():
    X, K = _random(3, 6, 5), _random(4, 3, 2, 2, seed=1)
    assert corr2d_multi_in(X, K[0]).shape == (5, 4)
    ref = npx.convolution(X[None], K, kernel=(2, 2), num_filter=4, no_bias=True)[0]
    assert abs(corr2d_multi_in_out(X, K) - ref).max() < 1e-12


@pytest.mark.parametrize("mode, pool_type", [("max", "max"), ("avg", "avg")])
@pytest.mark.parametrize("size, stride", [(2, None), (3, 1), (3, 2)])
def test_pool2d_matches_mxnet_pooling(mode, pool_type, size, stride):
    X = _random(2, 3, 7, 8)
    ref = npx.pooling(X, kernel=(size, size), stride=(stride or size,) * 2, pool_type=pool_type)
    Y = pool2d(X, size, stride, mode)
    assert Y.shape == ref.shape and abs(Y - ref).max() < 1e-12


def test_pool2d_by_hand():
    X = np.arange(16.0).reshape(4, 4)
    assert (pool2d(X, 2) == np.array([[5.0, 7.0], [13.0, 15.0]])).all()
    assert (pool2d(X, 2, mode="avg") == np.array([[2.5, 4.5], [10.5, 12.5]])).all()
    with pytest.raises(ValueError):
        pool2d(X, 2, mode="median")


@pytest.mark.parametrize("h, w, k", [(6, 6, (3, 3)), (7, 9, (2, 4)), (5, 5, (5, 5))])
def test_corr2d_backward_matches_autograd(h, w, k):
    X, K = _random(h, w), _random(*k, seed=1)
    dY = _random(h - k[0] + 1, w - k[1] + 1, seed=2)
    X.attach_grad()
    K.attach_grad()
    with autograd.record():
        J = (corr2d(X, K) * dY).sum()
    J.backward()
    dX, dK = corr2d_backward(X, K, dY)
    assert abs(dX - X.grad).max() / abs(X.grad).max() < 1e-12
    assert abs(dK - K.grad).max() / abs(K.grad).max() < 1e-12


def test_corr2d_backward_by_finite_differences():
    X, K, dY = _random(5, 5), _random(2, 2, seed=1), _random(4, 4, seed=2)
    _, dK = corr2d_backward(X, K, dY)
    eps = 1e-6
    for a, b in itertools.product(range(2), range(2)):
        E = np.zeros((2, 2), dtype="float64")
        E[a, b] = eps
        numeric = ((corr2d(X, K + E) * dY).sum() - (corr2d(X, K - E) * dY).sum()) / (2 * eps)
        assert abs(numeric - dK[a, b]) < 1e-6


@pytest.mark.parametrize("shape", [(6, 6), (7, 9), (2, 3, 6, 8)])
def test_max_pool_backward_matches_autograd_of_mxnet_pooling(shape):
    X = _random(*shape)
    X4 = X.reshape((1, 1) + shape) if len(shape) == 2 else X
    dY = _random(*X4.shape[:2], shape[-2] // 2, shape[-1] // 2, seed=1)
    X4.attach_grad()
    with autograd.record():
        J = (npx.pooling(X4, kernel=(2, 2), stride=(2, 2), pool_type="max") * dY).sum()
    J.backward()
    dX = max_pool2d_backward(X4, dY, 2)
    assert dX.shape == X4.shape
    assert abs(dX - X4.grad).max() < 1e-12


def test_max_pool_backward_sends_each_gradient_to_one_maximum():
    X = np.array([[1.0, 5.0, 2.0, 2.0], [3.0, 0.0, 2.0, 2.0]])
    dX = max_pool2d_backward(X, np.array([[10.0, 20.0]]), 2)
    # the 5 gets its window's gradient; of the tied 2s only the first does
    assert (dX == np.array([[0.0, 10.0, 20.0, 0.0], [0.0, 0.0, 0.0, 0.0]])).all()


@pytest.mark.parametrize("batch_norm", [False, True])
def test_lenet_shapes_and_parameter_count(batch_norm):
    net = lenet(batch_norm)
    net.initialize()
    assert net(np.zeros((2, 1, 28, 28))).shape == (2, 10)
    trained = d2lite.num_params(net)
    classic = (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + 850
    assert trained == classic + (2 * (6 + 16 + 120 + 84) if batch_norm else 0)
    names = [type(layer).__name__ for layer in net]
    assert names.count("BatchNorm") == (4 if batch_norm else 0)
    assert names.count("MaxPool2D") == 2 and names.count("Activation") == 4


def test_fashion_cnn_shapes_and_parameter_count():
    net = fashion_cnn()
    net.initialize()
    X = np.zeros((2, 1, 28, 28))
    sizes = []
    for layer in net:
        X = layer(X)
        if type(layer).__name__ == "MaxPool2D":
            sizes.append(X.shape[1:])
    assert sizes == [(32, 14, 14), (64, 7, 7)] and X.shape == (2, 10)
    # convolutions and the hidden dense layer have no bias; each BatchNorm learns 2 per channel
    expected = (32 * 9 + 2 * 32) + (64 * 32 * 9 + 2 * 64) + (3136 * 256 + 2 * 256) + (256 * 10 + 10)
    assert d2lite.num_params(net) == expected


def test_train_lenet_saves_and_reuse_loads_the_same_model(monkeypatch, tmp_path):
    import d2lite.data
    import numpy as onp
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    rng = onp.random.default_rng(0)
    X = rng.random((64, 1, 28, 28)).astype("float32")
    y = rng.integers(0, 10, 64).astype("int32")
    calls = []

    def tiny_data(batch_size):
        calls.append(batch_size)
        return (d2lite.load_array((X, y), batch_size, is_train=True),
                d2lite.load_array((X[:16], y[:16]), batch_size, is_train=False), None)

    monkeypatch.setattr(d2lite.data, "load_data_mnist_validation", tiny_data)
    net, history = d2lite.train_lenet(batch_size=32, num_epochs=1, verbose=False)
    assert len(history["valid_acc"]) == 1 and calls == [32]
    assert [p.name[:6] for p in (d2lite.cache_dir() / "models").iterdir()] == ["lenet-"]
    loaded, none = d2lite.train_lenet(batch_size=32, num_epochs=1, reuse=True)
    assert none is None and calls == [32]          # loaded, not trained again
    x = np.array(X[:8])
    assert (loaded(x) == net(x)).all()             # moving averages included
    # another set-up is not taken from the cache
    _, history = d2lite.train_lenet(batch_size=32, num_epochs=1, lr=1e-3, reuse=True,
                                    verbose=False)
    assert history is not None and calls == [32, 32]
