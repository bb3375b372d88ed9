"""Synthetic data, load_array and the from-scratch linear model pieces."""
import numpy as onp
import pytest
from mxnet import autograd, np

import d2lite


def test_synthetic_data_follows_the_rule():
    d2lite.set_seed(0)
    X, y = d2lite.synthetic_data([2, -3.4], 4.2, 5000, noise=0.01)
    assert X.shape == (5000, 2) and y.shape == (5000, 1)
    residual = (y - (np.dot(X, np.array([2, -3.4])) + 4.2).reshape(-1, 1)).asnumpy()
    assert abs(residual.std() - 0.01) < 0.001 and abs(residual.mean()) < 0.001
    assert abs(float(X.mean())) < 0.05 and abs(float(X.std()) - 1) < 0.05


def test_synthetic_data_without_noise_is_exact():
    X, y = d2lite.synthetic_data([1.0], -2.0, 10, noise=0.0)
    onp.testing.assert_allclose(y.asnumpy()[:, 0], X.asnumpy()[:, 0] - 2.0, atol=1e-6)


def test_load_array_covers_every_example_once_and_shuffles():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)
    d2lite.set_seed(0)
    batches = list(d2lite.load_array((X, y), 4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = onp.concatenate([b[1].asnumpy() for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    for Xb, yb in batches:                         # features stay with their labels
        onp.testing.assert_array_equal(Xb.asnumpy()[:, 0], 2 * yb.asnumpy())
    ordered = onp.concatenate([b[1].asnumpy() for b in d2lite.load_array((X, y), 4, False)])
    assert ordered.tolist() == list(range(10))
    assert batches[0][0].dtype == onp.float32 and batches[0][0].ctx == X.ctx


def test_load_array_of_one_numpy_array_yields_arrays():
    batches = list(d2lite.load_array((onp.arange(5, dtype=onp.int32),), 2, False))
    assert [b.asnumpy().tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0].dtype == onp.int32


def test_linreg_and_squared_loss():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[0.5], [-1.0]])
    y_hat = d2lite.linreg(X, w, 1.0)
    onp.testing.assert_allclose(y_hat.asnumpy(), [[-0.5], [-1.5]])
    loss = d2lite.squared_loss(y_hat, np.array([0.5, 0.5]))   # y reshaped to y_hat
    onp.testing.assert_allclose(loss.asnumpy(), [[0.5], [2.0]])


def test_sgd_steps_against_the_mean_gradient_in_place():
    w = np.array([1.0, 2.0])
    w.attach_grad()
    with autograd.record():
        loss = (w * np.array([3.0, 4.0])).sum()   # gradient [3, 4]
    loss.backward()
    d2lite.sgd([w], lr=0.5, batch_size=2)
    onp.testing.assert_allclose(w.asnumpy(), [1 - 0.75, 2 - 1.0])
    assert w.grad is not None                    # still the same parameter, with its gradient


def test_sgd_fits_a_line():
    d2lite.set_seed(1)
    X, y = d2lite.synthetic_data([2, -3.4], 4.2, 1000)
    w = np.random.normal(0, 0.01, (2, 1))
    b = np.zeros(1)
    for p in (w, b):
        p.attach_grad()
    for _ in range(3):
        for Xb, yb in d2lite.load_array((X, y), 10):
            with autograd.record():
                l = d2lite.squared_loss(d2lite.linreg(Xb, w, b), yb)
            l.backward()
            d2lite.sgd([w, b], 0.03, Xb.shape[0])
    onp.testing.assert_allclose(w.asnumpy()[:, 0], [2, -3.4], atol=0.01)
    assert abs(b.item() - 4.2) < 0.01


def test_softmax_rows_are_probabilities_and_stable():
    Z = np.array([[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0]])
    P = d2lite.softmax(Z).asnumpy()
    onp.testing.assert_allclose(P.sum(axis=1), [1, 1], rtol=1e-6)
    onp.testing.assert_allclose(P[0], onp.exp([2, 1, 0.1]) / onp.exp([2, 1, 0.1]).sum(), rtol=1e-5)
    onp.testing.assert_allclose(P[1], [1, 0, 0])                 # no overflow to nan
    onp.testing.assert_allclose(d2lite.softmax(Z + 5).asnumpy(), P, rtol=1e-5, atol=1e-7)


def test_cross_entropy_picks_the_label_probability():
    Y_hat = np.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    loss = d2lite.cross_entropy(Y_hat, np.array([0, 2], dtype="int32")).asnumpy()
    onp.testing.assert_allclose(loss, -onp.log([0.1, 0.5]), rtol=1e-6)


# --- bad input: a clear error, never a silently wrong answer --------------------

def test_synthetic_data_rejects_w_of_the_wrong_shape():
    # Regression: w of shape (2, 3) gave y of shape (15, 1) for 5 examples.
    with pytest.raises(ValueError, match=r"one weight per feature.*\(2, 3\)"):
        d2lite.synthetic_data(np.ones((2, 3)), 0.0, 5)
    with pytest.raises(ValueError, match="one weight per feature"):
        d2lite.synthetic_data(np.ones((1, 2, 1)), 0.0, 5)
    X, y = d2lite.synthetic_data(np.ones((2, 1)), 1.0, 5, noise=0.0)   # a column is fine
    assert X.shape == (5, 2) and y.shape == (5, 1)
    onp.testing.assert_allclose(y.asnumpy()[:, 0], X.asnumpy().sum(axis=1) + 1, rtol=1e-5)


@pytest.mark.parametrize("batch_size, error", [
    (0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError), ("4", TypeError),
])
def test_load_array_rejects_a_bad_batch_size(batch_size, error):
    # Regression: 0, -1 and 2.5 yielded one batch of everything.
    with pytest.raises(error, match="batch_size"):
        d2lite.load_array((np.ones((10, 2)), np.ones(10)), batch_size)


@pytest.mark.parametrize("data", [np.ones((100, 2)), onp.ones((100, 2))], ids=["mxnet", "numpy"])
def test_load_array_wants_a_tuple_not_a_bare_array(data):
    # Regression: a bare array of 100 rows came back as one tuple of 100 rows.
    with pytest.raises(TypeError, match=r"tuple of arrays.*\(X,\)"):
        d2lite.load_array(data, 10)


def test_load_array_rejects_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"lengths \[10, 9\]"):
        d2lite.load_array((np.ones((10, 2)), np.ones(9)), 4)
    with pytest.raises(ValueError, match="empty"):
        d2lite.load_array((), 4)


@pytest.mark.parametrize("labels, bad", [
    ([0, -1], "-1"), ([3, 0], "3"), ([0.0, 2.5], "2.5"), ([0.0, float("nan")], "nan"),
])
def test_cross_entropy_rejects_labels_outside_the_classes(labels, bad):
    # Regression: a label of -1 gave a wrong gradient, then a segmentation fault.
    Y_hat = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    dtype = "float32" if isinstance(labels[0], float) else "int32"
    with pytest.raises(ValueError, match=rf"label {bad} .* 3 outputs.* 0 to 2"):
        d2lite.cross_entropy(Y_hat, np.array(labels, dtype=dtype))
    with autograd.record():                          # the same while recording
        with pytest.raises(ValueError, match=rf"label {bad}"):
            d2lite.cross_entropy(Y_hat, np.array(labels, dtype=dtype))
    ok = d2lite.cross_entropy(Y_hat, np.array([2.0, 0.0])).asnumpy()   # whole floats are fine
    onp.testing.assert_allclose(ok, -onp.log([0.5, 0.1]), rtol=1e-6)


def test_cross_entropy_rejects_labels_of_the_wrong_shape():
    Y_hat = np.array([[0.2, 0.8], [0.6, 0.4]])
    for y in (np.array([[0], [1]]), np.array([0, 1, 1])):
        with pytest.raises(ValueError, match="n labels"):
            d2lite.cross_entropy(Y_hat, y)
