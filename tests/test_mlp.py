"""The from-scratch MLP: its parameters and its forward pass."""
import numpy as onp
from mxnet import autograd, np

import d2lite


def test_init_mlp_params_shapes_scale_and_gradients():
    d2lite.set_seed(0)
    W1, B1, W2, B2 = params = d2lite.init_mlp_params(784, 256, 10, sigma=0.05,
                                                     device=d2lite.cpu())
    assert W1.shape == (784, 256) and B1.shape == (256,)
    assert W2.shape == (256, 10) and B2.shape == (10,)
    assert abs(float(W1.std()) - 0.05) < 0.002 and abs(float(W1.mean())) < 0.002
    assert float(abs(B1).sum()) == 0 and float(abs(B2).sum()) == 0
    assert all(p.dtype == onp.float32 and p.grad is not None for p in params)
    W1_64 = d2lite.init_mlp_params(3, 4, 2, dtype="float64", device=d2lite.cpu())[0]
    assert W1_64.dtype == onp.float64 and W1_64.grad.dtype == onp.float64


def test_mlp_matches_the_formula_on_numbers():
    W1 = np.array([[1.0, -1.0], [2.0, 0.5]])
    B1 = np.array([0.0, -1.0])
    W2 = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 3.0]])
    B2 = np.array([0.5, 0.0, 0.0])
    X = np.array([[1.0, 1.0], [-1.0, 2.0]])
    # Z1 = [[3, -1.5], [3, 1]], A1 = [[3, 0], [3, 1]]
    expected = [[3.5, 0.0, -3.0], [5.5, 1.0, 0.0]]
    onp.testing.assert_allclose(d2lite.mlp(X, [W1, B1, W2, B2]).asnumpy(), expected)


def test_mlp_flattens_images_and_trains():
    d2lite.set_seed(1)
    params = d2lite.init_mlp_params(12, 8, 3, sigma=0.5, device=d2lite.cpu())
    X = np.random.normal(0, 1, (6, 1, 3, 4))
    y = np.array([0, 1, 2, 0, 1, 2])
    Z = d2lite.mlp(X, params)
    assert Z.shape == (6, 3)
    onp.testing.assert_allclose(Z.asnumpy(), d2lite.mlp(X.reshape(6, 12), params).asnumpy())
    losses = []
    for _ in range(200):
        with autograd.record():
            l = d2lite.cross_entropy(d2lite.softmax(d2lite.mlp(X, params)), y)
        l.backward()
        d2lite.sgd(params, 0.5, 6)
        losses.append(float(l.mean()))
    assert losses[-1] < 0.05 < losses[0]
    assert all(float(abs(p.grad).sum()) > 0 for p in params)
