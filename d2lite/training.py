"""Training and evaluating classifiers: the loop every chapter reuses."""
import math

from mxnet import autograd, gluon, np

from .device import try_gpu
from .plot import Animator
from .utils import Accumulator, _check_labels


class NaNLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def accuracy(y_hat, y):
    """Number of correct predictions: ``y_hat`` holds scores
    ``(n, classes)`` or labels.

    ``y`` holds the ``n`` labels, shape ``(n,)``; any other shape is a
    ValueError.
    """
    return float(_correct(y_hat, y))


def _correct(y_hat, y):
    """:func:`accuracy` as an MXNet scalar, computed without waiting for it."""
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    if y.ndim != 1 or y_hat.shape != y.shape:
        raise ValueError(
            f"accuracy needs one label per example, shape (n,), and n predictions: got "
            f"labels of shape {y.shape} for predictions of shape {y_hat.shape}. "
            f"Flatten labels of shape (n, 1) with y.reshape(-1).")
    return (y_hat.astype(y.dtype) == y).sum()


def evaluate_accuracy(net, data_iter, device=None):
    """Fraction of the examples in ``data_iter`` that ``net`` classifies
    correctly.

    A ValueError if ``data_iter`` yields no examples.
    """
    device = device or try_gpu()
    metric = Accumulator(2)  # correct predictions, examples
    for X, y in data_iter:
        X, y = X.as_in_ctx(device), y.as_in_ctx(device)
        metric.add(accuracy(net(X), y), y.size)
    if metric[1] == 0:
        raise ValueError(
            "evaluate_accuracy got no examples: data_iter is empty")
    return metric[0] / metric[1]


def check_finite(loss_value, epoch, step):
    """Raise :class:`NaNLossError` naming the epoch and step if the loss is
    not finite."""
    if not math.isfinite(loss_value):
        raise NaNLossError(
            f"the training loss became {loss_value} at epoch {epoch}, "
            f"step {step}. "
            "Usual causes: a learning rate that is too large, or inputs on "
            "a large scale (scale them, e.g. pixels / 255).")


def train_epoch(net, train_iter, loss, updater, device=None, epoch=1,
                on_batch=None):
    """Train ``net`` for one pass over ``train_iter``; return (mean loss,
    accuracy).

    ``updater`` is a ``gluon.Trainer`` or a function ``updater(batch_size)``
    that updates the parameters from their gradients (e.g. a minibatch SGD
    step). ``on_batch(i, mean_loss, accuracy)`` is called after each batch
    ``i`` (0-based) with the running averages.

    Stops with :class:`NaNLossError` at the first step whose loss is NaN or
    infinite, before that step updates the parameters. Labels must be class
    indices in ``[0, classes)`` for a network with ``classes`` outputs (a
    ValueError names a bad one before it reaches the loss), and
    ``train_iter`` must yield at least one example.
    """
    device = device or try_gpu()
    if isinstance(updater, gluon.Trainer):
        updater = updater.step
    metric = Accumulator(3)  # summed loss, correct predictions, examples
    # the network's number of outputs, known after the first batch
    classes = None
    for i, (X, y) in enumerate(train_iter):
        # Check the labels while the CPU is idle, before the forward pass:
        # checked during it, they cost several times more.
        if classes is not None:
            _check_labels(y, classes)
        X, y_host, y = X.as_in_ctx(device), y, y.as_in_ctx(device)
        with autograd.record():
            y_hat = net(X)
            if classes is None and y_hat.ndim == 2 and y_hat.shape[1] > 1:
                classes = y_hat.shape[1]
                _check_labels(y_host, classes)
            l = loss(y_hat, y)
        l.backward()
        # Both sums are queued before the update; the loop waits for them
        # once.
        loss_sum, correct = l.sum(), _correct(y_hat, y)
        loss_sum = float(loss_sum)
        # before the update: parameters stay finite
        check_finite(loss_sum, epoch, i + 1)
        updater(X.shape[0])
        metric.add(loss_sum, correct, y.size)
        if on_batch is not None:
            on_batch(i, metric[0] / metric[2], metric[1] / metric[2])
    if metric[2] == 0:
        raise ValueError("train_epoch got no examples: train_iter is empty")
    return metric[0] / metric[2], metric[1] / metric[2]


def evaluate_loss(net, data_iter, loss, device=None):
    """Mean of ``loss(net(X), y)`` over the examples in ``data_iter``.

    A ValueError if ``data_iter`` yields no examples.
    """
    return _evaluate(net, data_iter, loss, device)[0]


def _evaluate(net, data_iter, loss, device=None):
    """(mean loss, accuracy) of ``net`` on ``data_iter``, in one pass."""
    device = device or try_gpu()
    metric = Accumulator(3)  # summed loss, correct predictions, examples
    for X, y in data_iter:
        X, y = X.as_in_ctx(device), y.as_in_ctx(device)
        y_hat = net(X)
        metric.add(float(loss(y_hat, y).sum()), accuracy(y_hat, y), y.size)
    if metric[2] == 0:
        raise ValueError("no examples to evaluate on: data_iter is empty")
    return metric[0] / metric[2], metric[1] / metric[2]


def train(net, train_iter, test_iter, loss, num_epochs, updater,
          device=None, animate=True, verbose=True, eval_name="test"):
    """Train a classifier for ``num_epochs``; return the history per epoch.

    Draws the train loss, train accuracy, test loss and test accuracy with
    an :class:`~d2lite.Animator` (``animate=False`` to skip) and prints one
    line per epoch (``verbose=False`` to skip). Returns a dict with lists
    ``train_loss``, ``train_acc``, ``test_acc`` and ``test_loss``. When
    ``test_iter`` holds a validation set, ``eval_name="valid"`` names it so
    in the legend, the printed lines and the history (``valid_acc``,
    ``valid_loss``). Raises as :func:`train_epoch` does (NaN loss, bad
    labels, no examples).
    """
    device = device or try_gpu()
    history = {"train_loss": [], "train_acc": [], f"{eval_name}_acc": [],
               f"{eval_name}_loss": []}
    animator = Animator(
        xlabel="epoch", xlim=[0, num_epochs],
        legend=["train loss", "train acc", f"{eval_name} acc",
                f"{eval_name} loss"]) if animate else None
    for epoch in range(1, num_epochs + 1):
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater,
                                            device, epoch=epoch)
        test_loss, test_acc = _evaluate(net, test_iter, loss, device)
        values = (train_loss, train_acc, test_acc, test_loss)
        for key, value in zip(history, values):
            history[key].append(value)
        # one redraw per epoch: drawing costs time too
        if animator is not None:
            animator.add(epoch, values)
        if verbose:
            print(f"epoch {epoch:2d}: train loss {train_loss:.4f}, "
                  f"acc {train_acc:.4f}; "
                  f"{eval_name} loss {test_loss:.4f}, acc {test_acc:.4f}")
    return history


def fit_full_batch(net, X, y, loss, updater, num_steps):
    """Train ``net`` on all of ``(X, y)`` at every step (full-batch gradient
    descent).

    ``loss(net(X), y)`` returns one loss per example; ``updater`` is a
    ``gluon.Trainer`` or a function ``updater(batch_size)``, as in
    :func:`train_epoch`. Returns the mean loss before each update, a NumPy
    array of length ``num_steps``. The losses stay on the device until the
    end (reading one back at every step would cost more than the step), so
    a NaN loss does not stop the loop: :class:`NaNLossError` then names the
    first step whose loss was not finite.
    """
    if isinstance(updater, gluon.Trainer):
        updater = updater.step
    losses = []
    for _ in range(num_steps):
        with autograd.record():
            l = loss(net(X), y)
        l.backward()
        updater(X.shape[0])
        losses.append(l.mean())
    history = (np.stack(losses).asnumpy() if losses
               else np.zeros(0).asnumpy())
    for step, value in enumerate(history.tolist(), start=1):
        if not math.isfinite(value):
            raise NaNLossError(
                f"the training loss became {value} at step {step} of "
                f"{num_steps}. Usual causes: a learning rate that is too "
                "large, or inputs on a large scale.")
    return history
