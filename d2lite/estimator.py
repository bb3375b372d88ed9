"""Gluon's Estimator in NumPy mode: metrics that work, and a short log.

``mxnet.gluon.contrib.estimator.Estimator`` runs the training loop with event
handlers (validation, early stopping, checkpoints, logging). Two things stand
in the way with ``npx.set_np()``: its built-in metrics call legacy operators
and raise ``TypeError`` on ``mxnet.np`` arrays, and its log lines are long.
:class:`Accuracy` and :class:`Loss` hand MXNet's metrics legacy views of the
arrays (no copy); :class:`EpochLogger` prints one short table row per epoch.
"""
import logging
import time

from mxnet import metric
from mxnet.gluon.contrib.estimator import LoggingHandler


def _as_nd(arrays):
    """Legacy ``NDArray`` views of ``mxnet.np`` arrays (or of a list of them)."""
    if isinstance(arrays, (list, tuple)):
        return [_as_nd(a) for a in arrays]
    return arrays.as_nd_ndarray() if hasattr(arrays, "as_nd_ndarray") else arrays


class NumpyMetric:
    """Mixin that lets an ``mxnet.metric`` metric take ``mxnet.np`` arrays.

    Put it first, e.g.
    ``class Perplexity(NumpyMetric, mxnet.metric.Perplexity): pass``.
    """

    def update(self, labels, preds):
        super().update(_as_nd(labels), _as_nd(preds))


class Accuracy(NumpyMetric, metric.Accuracy):
    """``mxnet.metric.Accuracy`` for NumPy mode: the share of correct predictions.

    Predictions are scores ``(n, classes)`` (the largest wins) or class labels.
    """


class Loss(NumpyMetric, metric.Loss):
    """``mxnet.metric.Loss`` for NumPy mode: the mean of the per-example losses."""


_SHORT = {"training": "train", "validation": "valid", "accuracy": "acc"}


def _short(name):
    return " ".join(_SHORT.get(word, word) for word in name.split())


def _ours_or_warning(record):
    """Logging filter: our own lines and warnings pass, the Estimator's INFO lines do not."""
    return record.levelno > logging.INFO or getattr(record, "d2lite", False)


class EpochLogger(LoggingHandler):
    """Estimator handler that logs one short row per epoch and a closing line.

    Pass it to ``Estimator.fit(..., event_handlers=[..., EpochLogger()])``.
    It logs ``metrics`` (default: the estimator's training and validation
    metrics, names shortened: "training accuracy" -> "train acc") and the
    seconds per epoch, and at the end how many epochs ran, so a stop before
    ``epochs`` shows. ``history`` keeps the values per epoch under keys as in
    :func:`~d2lite.train` (``train_acc``, ``valid_loss``, ...), ready for
    :func:`~d2lite.plot_history`.

    It replaces the Estimator's default logging: it adds a filter to
    ``estimator.logger`` that drops the Estimator's own INFO lines (also
    those of later ``evaluate`` calls); warnings still pass.
    """

    def __init__(self, metrics=None):
        super().__init__(log_interval="epoch", metrics=metrics)
        self._chosen = metrics is not None
        self.epochs = 0
        self.history = {}

    def _log(self, estimator, text):
        estimator.logger.info(text, extra={"d2lite": True})

    def train_begin(self, estimator, *args, **kwargs):
        if _ours_or_warning not in estimator.logger.filters:
            estimator.logger.addFilter(_ours_or_warning)
        if not self._chosen:
            self.metrics = estimator.train_metrics + estimator.val_metrics
        self.names = [_short(m.name) for m in self.metrics]
        self.widths = [max(len(name), 7) for name in self.names]
        self.epochs = 0
        self.history = {name.replace(" ", "_"): [] for name in self.names}
        self.train_start = time.perf_counter()
        header = "  ".join(f"{n:>{w}}" for n, w in zip(self.names, self.widths))
        self._log(estimator, f"epoch  {header}  seconds")

    def epoch_begin(self, estimator, *args, **kwargs):
        self.epoch_start = time.perf_counter()

    def batch_begin(self, estimator, *args, **kwargs):
        pass

    def batch_end(self, estimator, *args, **kwargs):
        pass

    def epoch_end(self, estimator, *args, **kwargs):
        self.epochs += 1
        values = [m.get()[1] for m in self.metrics]
        for key, value in zip(self.history, values):
            self.history[key].append(value)
        values = "  ".join(f"{v:>{w}.4f}" for v, w in zip(values, self.widths))
        seconds = time.perf_counter() - self.epoch_start
        self._log(estimator, f"{self.epochs:5d}  {values}  {seconds:7.1f}")

    def train_end(self, estimator, *args, **kwargs):
        seconds = time.perf_counter() - self.train_start
        limit = estimator.max_epoch
        if limit and self.epochs < limit:
            what = f"stopped early after {self.epochs} of {limit} epochs"
        else:
            what = f"trained {self.epochs} epochs"
        self._log(estimator, f"{what} in {seconds:.1f} s")
