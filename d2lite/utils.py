"""Small helpers every chapter uses: seeding, timing, running sums, models."""
import hashlib
import json
import numbers
import os
import random
import time

import mxnet as mx
import numpy as onp


def seed_offset():
    """The shift ``$D2LITE_SEED_OFFSET`` adds to every seed (0 when unset).

    ``make portability`` runs the whole book with offsets 1 and 2, to check
    that every claim holds for other seeds, not only for the ones printed.
    """
    value = os.environ.get("D2LITE_SEED_OFFSET", "0")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"D2LITE_SEED_OFFSET must be a whole number, got {value!r}") from None


def set_seed(seed):
    """Seed Python's ``random``, NumPy and MXNet (all devices) so runs repeat.

    The seeds used are ``seed + seed_offset()``: the same ``seed`` unless
    ``$D2LITE_SEED_OFFSET`` is set.
    """
    seed = seed + seed_offset()
    random.seed(seed)
    onp.random.seed(seed)
    mx.random.seed(seed)


def glue(name, value):
    """Store ``value`` under ``name`` for the book's prose to show.

    A page writes ``{glue:text}`name:.2f``` in its text, and the built book
    shows the number this run computed: the sentence always matches the
    output above it, on any machine. Scalars (MXNet or NumPy, 0-d arrays
    included) are stored as Python numbers, so a format like ``.1%`` or
    ``,.0f`` applies. Nothing is displayed in the notebook.
    """
    from myst_nb import glue as myst_glue
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()  # mxnet.np / numpy scalar or 0-d array
    if isinstance(value, onp.generic):
        value = value.item()
    myst_glue(name, value, display=False)


def num_params(net):
    """Number of parameters ``net`` learns (BatchNorm's moving averages excluded)."""
    return sum(p.data().size for p in net.collect_params().values()
               if p.grad_req != "null")


def cached_model_path(name, config):
    """Where a trained model ``name`` with set-up ``config`` (a dict) is cached.

    The file name holds a digest of the whole set-up, so any change of it
    (learning rate, epochs, seed, ...) names another file.
    """
    from .data.hub import cache_dir
    if seed_offset():
        config = {**config, "seed_offset": seed_offset()}
    key = json.dumps(config, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "models" / f"{name}-{digest}.params"


def save_parameters(net, path):
    """Save ``net``'s parameters to ``path`` atomically (a temporary file, renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    net.save_parameters(str(tmp))
    os.replace(tmp, path)  # atomic: a half-written file is never loaded


def train_or_load(net, name, config, train_fn, reuse=False, device=None):
    """Train ``net`` with ``train_fn()`` and cache it, or load it from the cache.

    The cache file is :func:`cached_model_path` of ``name`` and ``config``
    plus ``net``'s architecture (its printout), so a changed set-up or a
    changed network is trained again, never loaded stale. With ``reuse`` and
    a cached file, the parameters are loaded onto ``device`` and None is
    returned; otherwise ``train_fn()`` trains ``net``, its parameters are
    saved, and its return value (a history) is returned.
    """
    path = cached_model_path(name, {**config, "architecture": repr(net)})
    if reuse and path.exists():
        net.load_parameters(str(path), ctx=device)
        return None
    history = train_fn()
    save_parameters(net, path)
    return history


class Timer:
    """Record the duration of several runs.

    Examples
    --------
    >>> timer = Timer()          # starts at once
    >>> elapsed = timer.stop()   # seconds since start, also stored in timer.times
    """

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start (or restart) the clock."""
        self.tik = time.perf_counter()

    def stop(self):
        """Stop the clock, store the time and return it, in seconds."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self):
        """Average of the recorded times; a RuntimeError before the first ``stop()``."""
        if not self.times:
            raise RuntimeError("no time recorded yet: call timer.stop() before timer.avg()")
        return sum(self.times) / len(self.times)

    def sum(self):
        """Total of the recorded times."""
        return sum(self.times)

    def cumsum(self):
        """Running totals of the recorded times."""
        return onp.cumsum(self.times).tolist()


class Accumulator:
    """Keep ``n`` running sums, e.g. (total loss, correct predictions, examples).

    Examples
    --------
    >>> metric = Accumulator(2)
    >>> metric.add(3.0, 10)
    >>> metric.add(1.0, 10)
    >>> metric[0] / metric[1]
    0.2
    """

    def __init__(self, n):
        if n < 1:
            raise ValueError(f"an Accumulator needs at least one sum, got n={n}")
        self.data = [0.0] * n

    def add(self, *args):
        """Add one value to each sum, in order."""
        if len(args) != len(self.data):
            raise ValueError(f"expected {len(self.data)} values, got {len(args)}")
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        """Set every sum back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]

    def __len__(self):
        return len(self.data)


def _check_int(value, name, minimum):
    """Return ``value`` if it is an integer >= ``minimum``; else a TypeError or ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} "
                        f"({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_labels(y, num_classes):
    """Raise a ValueError unless every label in ``y`` is a class index in [0, num_classes).

    Checked on the host (a copy of a few hundred labels costs microseconds),
    before the labels reach an MXNet indexing operation: MXNet does not
    check indices, and a label of -1 can crash the whole process.
    """
    labels = (y.asnumpy() if hasattr(y, "asnumpy") else onp.asarray(y)).reshape(-1)
    ok = (labels >= 0) & (labels < num_classes)  # NaN fails both
    if labels.dtype.kind == "f":
        ok &= labels == onp.floor(labels)
    if ok.all():
        return
    bad = labels[onp.argmin(ok)].item()
    raise ValueError(
        f"label {bad} is not a class index: with {num_classes} outputs (classes), labels "
        f"must be whole numbers from 0 to {num_classes - 1}. Check the labels (1-based "
        f"instead of 0-based?) or give the network more outputs.")
