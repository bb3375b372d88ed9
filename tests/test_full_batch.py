"""fit_full_batch: the full-batch gradient-descent loop of the MLP chapter."""
import numpy as onp
import pytest
from mxnet import gluon, init, np
from mxnet.gluon import nn

import d2lite


def line_data(n=50, seed=0):
    """Points on the line y = 3 x - 2, shaped (n, 1)."""
    x = onp.random.default_rng(seed).uniform(-1, 1, (n, 1)).astype(onp.float32)
    return np.array(x), np.array(3 * x - 2)


def test_fits_a_line_with_a_trainer():
    X, y = line_data()
    net = nn.Dense(1)
    net.initialize(init.Normal(0.01))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    history = d2lite.fit_full_batch(net, X, y, gluon.loss.L2Loss(), trainer, 200)
    assert isinstance(history, onp.ndarray) and history.shape == (200,)
    assert history[0] > 1.0 and history[-1] < 1e-6     # from far off to exact
    assert onp.all(onp.diff(history) <= 1e-7)         # never rises, at this rate
    assert net.weight.data().item() == pytest.approx(3, abs=1e-3)
    assert net.bias.data().item() == pytest.approx(-2, abs=1e-3)


def test_one_step_is_one_gradient_step_on_the_mean_loss():
    X, y = line_data(n=8)
    w, b = np.zeros((1, 1)), np.zeros(1)
    for p in (w, b):
        p.attach_grad()
    net = lambda X: d2lite.linreg(X, w, b)
    history = d2lite.fit_full_batch(net, X, y, d2lite.squared_loss,
                                    lambda n: d2lite.sgd([w, b], 0.1, n), 1)
    x, t = X.asnumpy(), y.asnumpy()
    # the mean of (0 - t)^2 / 2, then w and b move against its gradient
    assert history[0] == pytest.approx((t ** 2 / 2).mean(), rel=1e-6)
    assert w.item() == pytest.approx(0.1 * (x * t).mean(), rel=1e-5)
    assert b.item() == pytest.approx(0.1 * t.mean(), rel=1e-5)


def test_a_diverging_run_names_the_first_bad_step():
    X, y = line_data()
    net = nn.Dense(1)
    net.initialize(init.Constant(1.0))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1e3})
    with pytest.raises(d2lite.NaNLossError, match=r"at step \d+ of 100"):
        d2lite.fit_full_batch(net, X, y, gluon.loss.L2Loss(), trainer, 100)


def test_zero_steps_returns_an_empty_history():
    X, y = line_data()
    net = nn.Dense(1)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    assert d2lite.fit_full_batch(net, X, y, gluon.loss.L2Loss(), trainer, 0).shape == (0,)
