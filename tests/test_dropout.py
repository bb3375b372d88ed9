"""Dropout from scratch: kept fraction, scaling, edge cases, bad p."""
import numpy as onp
import pytest
from mxnet import np

import d2lite


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_keeps_a_fraction_1_minus_p_scaled_by_1_over_1_minus_p(p):
    d2lite.set_seed(0)
    X = np.arange(1, 100001, dtype="float32").reshape(100, 1000)
    out = d2lite.dropout(X, p).asnumpy()
    x = X.asnumpy()
    kept = out != 0
    assert abs(kept.mean() - (1 - p)) < 0.01               # 100,000 draws: sd < 0.002
    onp.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-6)


def test_dropout_keeps_the_mean():
    d2lite.set_seed(1)
    X = np.ones((200, 500))
    assert abs(float(d2lite.dropout(X, 0.5).mean()) - 1.0) < 0.02


def test_dropout_draws_a_new_mask_each_call():
    d2lite.set_seed(0)
    X = np.ones((10, 100))
    a, b = d2lite.dropout(X, 0.5).asnumpy(), d2lite.dropout(X, 0.5).asnumpy()
    assert (a != b).any()


def test_dropout_edge_cases_p0_and_p1():
    X = np.random.normal(0, 1, (4, 5))
    onp.testing.assert_array_equal(d2lite.dropout(X, 0).asnumpy(), X.asnumpy())
    out = d2lite.dropout(X, 1)
    assert out.shape == X.shape and not out.asnumpy().any()


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_a_bad_probability(p):
    with pytest.raises(ValueError, match="must be in"):
        d2lite.dropout(np.ones((2, 2)), p)
