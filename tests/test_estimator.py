"""The Estimator adapter: NumPy-mode metrics, early stopping, a short log."""
import warnings

import mxnet as mx
import numpy as onp
import pytest
from mxnet import gluon, init, np
from mxnet.gluon import nn
from mxnet.gluon.contrib import estimator

import d2lite


def test_mxnet_metrics_reject_numpy_arrays():
    # The reason for the adapter: MXNet's own metric calls a legacy operator.
    with pytest.raises(TypeError):
        mx.metric.Accuracy().update([np.array([0, 1])], [np.array([[0.3, 0.7], [0.9, 0.1]])])


def test_accuracy_on_known_inputs():
    acc = d2lite.Accuracy()
    scores = np.array([[0.3, 0.7], [0.0, 1.0], [0.4, 0.6]])
    acc.update([np.array([0, 1, 1], dtype="int32")], [scores])
    assert acc.get() == ("accuracy", pytest.approx(2 / 3))
    # More batches accumulate; class labels work as predictions too; bare arrays as well.
    acc.update(np.array([2, 2, 0, 1]), np.array([2, 0, 0, 1]))
    assert acc.get()[1] == pytest.approx(5 / 7)
    acc.reset()
    assert acc.num_inst == 0


def test_loss_is_the_mean_over_examples():
    loss = d2lite.Loss()
    loss.update(0, [np.array([1.0, 2.0, 3.0])])
    loss.update(0, [np.array([4.0])])
    assert loss.get() == ("loss", pytest.approx(2.5))


def test_numpy_metric_adapts_other_metrics():
    class Perplexity(d2lite.NumpyMetric, mx.metric.Perplexity):
        pass

    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    labels = np.array([1, 0, 2])
    with pytest.raises(TypeError):  # MXNet's own one fails in NumPy mode
        mx.metric.Perplexity(ignore_label=None).update([labels], [probs])
    perplexity = Perplexity(ignore_label=None)
    perplexity.update([labels], [probs])
    expected = onp.exp(-onp.log([0.3, 0.1, 0.1]).mean())
    assert perplexity.get()[1] == pytest.approx(expected, rel=1e-5)


def toy_data(n, seed):
    """Two well-separated classes in 2-D; a linear model gets them all right."""
    rng = onp.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 0.5, (n, 2)) + 3 * (2 * y[:, None] - 1)
    return X.astype("float32"), y.astype("int32")


def make_estimator(lr):
    d2lite.set_seed(0)
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="relu"), nn.Dense(2))
    net.initialize(init.Xavier(), ctx=d2lite.cpu())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
    return estimator.Estimator(
        net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer, context=d2lite.cpu(),
        train_metrics=[d2lite.Accuracy(), d2lite.Loss()])


def fit(est, epochs, patience, capsys):
    train_iter = d2lite.load_array(toy_data(256, 1), 32)
    valid_iter = d2lite.load_array(toy_data(128, 2), 64, is_train=False)
    stop = estimator.EarlyStoppingHandler(est.val_metrics[0], patience=patience, mode="max")
    log = d2lite.EpochLogger()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either (but MXNet's own deprecation
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="mxnet")  # notes)
        est.fit(train_iter, valid_iter, epochs=epochs,
                event_handlers=[stop, log])
    return valid_iter, stop, log, capsys.readouterr().out.splitlines()


def test_fit_stops_when_validation_stops_improving(capsys):
    # Learning rate 0: the validation accuracy never changes, so the first epoch
    # is the best and, with patience 2, training stops after the third.
    est = make_estimator(lr=0.0)
    _, stop, _, lines = fit(est, epochs=10, patience=2, capsys=capsys)
    assert stop.stop_training and stop.stopped_epoch == 2  # 0-based
    assert len(lines) == 1 + 3 + 1
    assert lines[-1].startswith("stopped early after 3 of 10 epochs in ")


def test_fit_learns_then_stops_and_metrics_are_right(capsys):
    est = make_estimator(lr=0.05)
    valid_iter, stop, _, lines = fit(est, epochs=30, patience=2, capsys=capsys)
    # The classes separate: validation accuracy reaches 1 and cannot improve.
    assert est.val_metrics[0].get()[1] == 1.0
    assert stop.stop_training and 2 <= stop.stopped_epoch < 29
    # The metrics inside fit are what one computes by hand on the final model.
    net, loss = est.net, est.loss
    assert est.val_metrics[0].get()[1] == d2lite.evaluate_accuracy(net, valid_iter, d2lite.cpu())
    losses = np.concatenate([loss(net(X), y) for X, y in valid_iter])
    assert est.val_metrics[1].get()[1] == pytest.approx(float(losses.mean()), rel=1e-5)
    assert lines[-1].startswith(f"stopped early after {stop.stopped_epoch + 1} of 30 epochs")


def test_log_is_a_short_table(capsys):
    est = make_estimator(lr=0.05)
    _, _, log, lines = fit(est, epochs=3, patience=5, capsys=capsys)
    assert lines[0].split() == ["epoch", "train", "acc", "train", "loss", "valid", "acc",
                                "valid", "loss", "seconds"]
    assert [int(line.split()[0]) for line in lines[1:4]] == [1, 2, 3]
    assert lines[4].startswith("trained 3 epochs in ") and len(lines) == 5
    assert all(len(line) <= 75 for line in lines)
    # Each row holds the epoch's metrics; the last one the final values.
    last = [float(v) for v in lines[3].split()[1:5]]
    final = [m.get()[1] for m in est.train_metrics + est.val_metrics]
    assert last == pytest.approx(final, abs=5e-5)
    # The history holds the same numbers, keyed as d2lite.train's.
    assert list(log.history) == ["train_acc", "train_loss", "valid_acc", "valid_loss"]
    rows = [[float(v) for v in line.split()[1:5]] for line in lines[1:4]]
    assert [list(col) for col in zip(*rows)] == [
        pytest.approx(values, abs=5e-5) for values in log.history.values()]
    assert [values[-1] for values in log.history.values()] == final
    # The Estimator's own lines stay out, in later evaluate calls too; warnings pass.
    est.evaluate(d2lite.load_array(toy_data(64, 3), 64, is_train=False))
    est.logger.warning("a warning")
    assert capsys.readouterr().out == "a warning\n"


def test_epoch_logger_with_chosen_metrics(capsys):
    est = make_estimator(lr=0.05)
    train_iter = d2lite.load_array(toy_data(64, 1), 32)
    est.fit(train_iter, epochs=2, event_handlers=[d2lite.EpochLogger(est.train_metrics[:1])])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["epoch", "train", "acc", "seconds"] and len(lines) == 4
