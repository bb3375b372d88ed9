"""evaluate_loss, and train reporting the loss on its evaluation set."""
import matplotlib

matplotlib.use("Agg")

import numpy as onp  # noqa: E402
import pytest  # noqa: E402
from mxnet import gluon, init, np  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

import d2lite  # noqa: E402
from conftest import blobs  # noqa: E402


def test_evaluate_loss_is_the_mean_over_all_examples():
    X, y = blobs(n=300)                  # batches of 128, 128, 44: unequal sizes
    net = lambda X: np.stack([-X[:, 0], X[:, 0]], axis=1)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    expected = float(loss(net(X), y).mean())
    got = d2lite.evaluate_loss(net, d2lite.load_array((X, y), 128, False), loss)
    assert got == pytest.approx(expected, rel=1e-5) and got > 0


def test_evaluate_loss_knows_a_hand_computed_value():
    X = np.zeros((3, 2))
    y = np.array([0, 1, 1])
    net = lambda X: np.zeros((X.shape[0], 2))   # uniform: loss log 2 per example
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    got = d2lite.evaluate_loss(net, d2lite.load_array((X, y), 2, False), loss)
    assert got == pytest.approx(onp.log(2), rel=1e-5)   # float32


def test_evaluate_loss_rejects_an_empty_iterator():
    with pytest.raises(ValueError, match="no examples"):
        d2lite.evaluate_loss(lambda X: X, [], gluon.loss.L2Loss())


def train_on_blobs(num_epochs, **kwargs):
    d2lite.set_seed(0)
    X, y = blobs()
    Xv, yv = blobs(seed=1)
    net = nn.Dense(2)
    net.initialize(init.Normal(0.01), ctx=d2lite.try_gpu())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    valid_iter = d2lite.load_array((Xv, yv), 64, False)
    history = d2lite.train(net, d2lite.load_array((X, y), 32), valid_iter, loss,
                           num_epochs, trainer, **kwargs)
    return history, net, valid_iter, loss


def test_train_records_the_validation_loss_of_the_final_model(capsys):
    history, net, valid_iter, loss = train_on_blobs(3, animate=False, eval_name="valid")
    assert list(history) == ["train_loss", "train_acc", "valid_acc", "valid_loss"]
    assert len(history["valid_loss"]) == 3
    assert history["valid_loss"][-1] < history["valid_loss"][0] < onp.log(2)
    assert history["valid_loss"][-1] == pytest.approx(
        d2lite.evaluate_loss(net, valid_iter, loss), rel=1e-5)
    assert history["valid_acc"][-1] == pytest.approx(
        d2lite.evaluate_accuracy(net, valid_iter))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all("valid loss" in l and len(l) <= 75 for l in lines)
    assert f"valid loss {history['valid_loss'][0]:.4f}" in lines[0]


def test_train_draws_the_validation_loss():
    animator_calls = []
    original = d2lite.training.Animator.add

    def spy(self, x, y):
        animator_calls.append((self.config["legend"], list(y)))
        return original(self, x, y)

    d2lite.training.Animator.add = spy
    try:
        history, *_ = train_on_blobs(2, verbose=False, eval_name="valid")
    finally:
        d2lite.training.Animator.add = original
    legend, values = animator_calls[-1]
    assert "valid loss" in legend and len(animator_calls) == 2
    assert values[legend.index("valid loss")] == history["valid_loss"][-1]
    assert values[legend.index("valid acc")] == history["valid_acc"][-1]
