"""The shared training loop: accuracy, evaluation, the NaN guard, history."""
import matplotlib

matplotlib.use("Agg")

import numpy as onp  # noqa: E402
import pytest  # noqa: E402
from mxnet import gluon, init, np  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

import d2lite  # noqa: E402
from conftest import blobs  # noqa: E402


def dense_net(outputs=2):
    net = nn.Dense(outputs)
    net.initialize(init.Normal(0.01), ctx=d2lite.try_gpu())
    return net


def test_accuracy_counts_correct_predictions():
    y = np.array([0, 2, 1])
    scores = np.array([[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    assert d2lite.accuracy(scores, y) == 2.0
    assert d2lite.accuracy(np.array([0, 2, 2]), y) == 2.0      # labels, not scores


def test_evaluate_accuracy_on_a_known_classifier():
    X, y = blobs()
    net = lambda X: np.stack([-X[:, 0], X[:, 0]], axis=1)   # class 1 iff x0 > 0
    expected = float(((X[:, 0] > 0).astype("int32") == y).mean())
    acc = d2lite.evaluate_accuracy(net, d2lite.load_array((X, y), 64, False))
    assert acc == pytest.approx(expected) and acc > 0.95


def train_on_blobs(num_epochs, **kwargs):
    """Train a fresh Dense(2) on the blobs with SGD; return the history."""
    d2lite.set_seed(0)
    X, y = blobs()
    net = dense_net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    return d2lite.train(net, d2lite.load_array((X, y), 32), d2lite.load_array((X, y), 64, False),
                        gluon.loss.SoftmaxCrossEntropyLoss(), num_epochs, trainer, **kwargs)


def test_train_learns_and_reports_history(capsys):
    history = train_on_blobs(3, animate=False)
    assert [len(v) for v in history.values()] == [3, 3, 3, 3]   # test_loss too
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["test_acc"][-1] > 0.95
    assert capsys.readouterr().out.count("epoch") == 3


def test_train_accepts_a_scratch_updater():
    d2lite.set_seed(0)
    X, y = blobs()
    W = np.random.normal(0, 0.01, (2, 2))
    b = np.zeros(2)
    for p in (W, b):
        p.attach_grad()
    net = lambda X: np.dot(X, W) + b
    updater = lambda batch_size: d2lite.sgd([W, b], 0.1, batch_size)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    train_loss, train_acc = d2lite.train_epoch(net, d2lite.load_array((X, y), 32), loss, updater)
    assert train_acc > 0.9 and onp.isfinite(train_loss)


def test_nan_loss_stops_training_and_names_epoch_and_step():
    d2lite.set_seed(0)
    X, y = blobs()
    net = dense_net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1e10})
    steps = []
    with pytest.raises(d2lite.NaNLossError, match=r"became (nan|inf) at epoch \d+, step \d+") as err:
        d2lite.train_epoch(net, d2lite.load_array((X * 1e20, y), 50),
                           gluon.loss.SoftmaxCrossEntropyLoss(), trainer, epoch=4,
                           on_batch=lambda i, *_: steps.append(i + 1))
    # it stops at the first bad step: every earlier step was reported, none after
    assert f"epoch 4, step {len(steps) + 1}." in str(err.value)
    assert len(steps) < 8


def test_check_finite():
    d2lite.check_finite(1.5, 1, 1)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(d2lite.NaNLossError, match="epoch 3, step 7"):
            d2lite.check_finite(bad, 3, 7)


def test_train_draws_train_and_test_curves(monkeypatch):
    drawn = []

    class Recorder(d2lite.Animator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            drawn.append(self)

    monkeypatch.setattr(d2lite.training, "Animator", Recorder)
    history = train_on_blobs(2, verbose=False)
    assert len(history["test_acc"]) == 2
    (animator,) = drawn
    assert animator.X == [[1.0, 2.0]] * 4                           # one point per epoch
    assert animator.Y == [history["train_loss"], history["train_acc"], history["test_acc"],
                          history["test_loss"]]
    assert animator.axes.get_xlim() == (0.0, 2.0)


def test_train_names_a_validation_set(monkeypatch, capsys):
    drawn = []
    monkeypatch.setattr(d2lite.training, "Animator",
                        lambda *args, **kwargs: drawn.append(kwargs) or d2lite.Animator(**kwargs))
    history = train_on_blobs(2, eval_name="valid")
    assert list(history) == ["train_loss", "train_acc", "valid_acc", "valid_loss"]
    assert drawn[0]["legend"] == ["train loss", "train acc", "valid acc", "valid loss"]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("valid loss" in line and "test" not in line for line in lines)


# --- bad input: a clear error, never a silently wrong answer --------------------

@pytest.mark.parametrize("labels", [np.array([[0], [1], [1], [0]]), np.array([1]),
                                    np.array([0, 1, 1, 0, 1])], ids=["n-by-1", "one", "n+1"])
def test_accuracy_rejects_labels_that_do_not_match_the_predictions(labels):
    # Regression: labels (4, 1) gave "8 correct out of 4", labels (1,) gave 2.
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    with pytest.raises(ValueError, match=r"shape \(n,\).*reshape\(-1\)"):
        d2lite.accuracy(scores, labels)


def test_accuracy_rejects_predictions_of_another_shape():
    with pytest.raises(ValueError, match=r"predictions of shape \(3, 1\)"):
        d2lite.accuracy(np.array([[0], [1], [1]]), np.array([0, 1, 1]))


def test_evaluate_accuracy_rejects_n_by_1_labels():
    # Regression: labels of shape (n, 1) gave an "accuracy" of 31.6.
    X, y = blobs()
    net = lambda X: np.stack([-X[:, 0], X[:, 0]], axis=1)
    with pytest.raises(ValueError, match="reshape"):
        d2lite.evaluate_accuracy(net, d2lite.load_array((X, y.reshape(-1, 1)), 64, False))


def test_evaluate_accuracy_on_no_examples_is_a_clear_error():
    with pytest.raises(ValueError, match="no examples"):
        d2lite.evaluate_accuracy(dense_net(), [])


def test_training_on_no_examples_is_a_clear_error():
    net = dense_net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    with pytest.raises(ValueError, match="no examples"):
        d2lite.train_epoch(net, [], loss, trainer)
    X, y = blobs()
    with pytest.raises(ValueError, match="no examples"):
        d2lite.train(net, [], d2lite.load_array((X, y), 64, False), loss, 1, trainer,
                     animate=False, verbose=False)


def scratch_classifier(classes=2):
    """Weights W (2, classes), b and a softmax net for the scratch loss; all on try_gpu()."""
    W = np.random.normal(0, 0.01, (2, classes), ctx=d2lite.try_gpu())
    b = np.zeros(classes, ctx=d2lite.try_gpu())
    for p in (W, b):
        p.attach_grad()
    return W, b, lambda X: d2lite.softmax(np.dot(X, W) + b)


@pytest.mark.parametrize("loss_kind", ["gluon", "scratch"])
@pytest.mark.parametrize("bad", [5, 2, -1])
def test_train_rejects_labels_outside_the_classes(loss_kind, bad):
    # Regression: labels {0, 5} on a 2-class network trained without complaint, and
    # a label of -1 crashed the process (free(): invalid next size).
    d2lite.set_seed(0)
    X, y = blobs(100)
    y_bad = onp.where(y.asnumpy() == 1, bad, 0).astype(onp.int32)
    if loss_kind == "gluon":
        net = dense_net()
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        updater = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
        net(X[:1].as_in_ctx(d2lite.try_gpu()))              # initialize the weights now
        params = lambda: [p.data().asnumpy() for p in net.collect_params().values()]
    else:
        W, b, net = scratch_classifier()
        loss = d2lite.cross_entropy
        updater = lambda n: d2lite.sgd([W, b], 0.1, n)
        params = lambda: [W.asnumpy(), b.asnumpy()]
    before = params()
    with pytest.raises(ValueError, match=rf"label {bad} .* 2 outputs"):
        d2lite.train(net, d2lite.load_array((X, y_bad), 32), d2lite.load_array((X, y), 64),
                     loss, 2, updater, animate=False, verbose=False)
    for old, new in zip(before, params()):
        onp.testing.assert_array_equal(old, new)             # stopped before any step


@pytest.mark.parametrize("updater_kind", ["trainer", "scratch"])
def test_nan_loss_leaves_the_parameters_of_the_failing_step_untouched(updater_kind):
    # Regression: the guard fired after the optimizer step, so the weights were NaN already.
    d2lite.set_seed(0)
    X, y = blobs(200)
    X = X.asnumpy()
    X[120:] = onp.inf                # batches 1-3 of 40 are fine, batch 4 has overflowed
    if updater_kind == "trainer":
        net = nn.Dense(2)
        net.initialize(init.Normal(0.01), ctx=d2lite.try_gpu())
        net(np.zeros((1, 2), ctx=d2lite.try_gpu()))
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        updater = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
        params = lambda: [p.data().asnumpy().copy() for p in net.collect_params().values()]
    else:
        W, b, net = scratch_classifier()
        loss = d2lite.cross_entropy
        updater = lambda n: d2lite.sgd([W, b], 0.1, n)
        params = lambda: [W.asnumpy().copy(), b.asnumpy().copy()]
    snapshots = [params()]
    with pytest.raises(d2lite.NaNLossError, match="epoch 2, step 4"):
        d2lite.train_epoch(net, d2lite.load_array((X, y), 40, is_train=False), loss, updater,
                           epoch=2, on_batch=lambda *_: snapshots.append(params()))
    assert len(snapshots) == 4                               # three good steps were taken
    assert not onp.array_equal(snapshots[3][0], snapshots[0][0])
    for last_good, now in zip(snapshots[-1], params()):
        assert onp.isfinite(now).all()
        onp.testing.assert_array_equal(now, last_good)       # the failing step changed nothing
