"""Convolution and pooling from scratch, their backward passes, LeNet and a small modern CNN."""
from mxnet import np
from mxnet.gluon import nn


def _pair(value, name):
    """``(a, b)`` from an int or a pair of ints, each at least 0."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(int(v) != v or v < 0 for v in pair):
        raise ValueError(f"{name} must be a non-negative int or a pair of them, got {value!r}")
    return tuple(int(v) for v in pair)


def conv_output_shape(size, kernel, padding=0, stride=1):
    """Output size of a convolution or pooling: ``(size - kernel + 2 padding) // stride + 1``.

    Each argument is an int or a pair ``(height, width)``; returns a pair.
    """
    n, k, p, s = (_pair(v, name) for v, name in
                  ((size, "size"), (kernel, "kernel"), (padding, "padding"), (stride, "stride")))
    if min(s) < 1 or any(n[i] + 2 * p[i] < k[i] for i in range(2)):
        raise ValueError(f"no output: size {n}, kernel {k}, padding {p}, stride {s}")
    return tuple((n[i] - k[i] + 2 * p[i]) // s[i] + 1 for i in range(2))


def corr2d(X, K, padding=0, stride=1):
    """2-D cross-correlation of ``X`` (``(..., h, w)``) with the kernel
    ``K`` (``(kh, kw)``).

    ``Y[..., i, j] = sum_{a, b} K[a, b] X[..., s i + a, s j + b]`` after
    ``padding`` zeros around ``X``. One vectorized step per kernel entry, so
    autograd differentiates it.
    """
    (kh, kw), (ph, pw), (sh, sw) = (K.shape, _pair(padding, "padding"),
                                    _pair(stride, "stride"))
    if ph or pw:
        X = np.pad(X, ((0, 0),) * (X.ndim - 2) + ((ph, ph), (pw, pw)))
    oh, ow = conv_output_shape(X.shape[-2:], (kh, kw), 0, (sh, sw))
    Y = 0
    for a in range(kh):
        for b in range(kw):
            Y = Y + K[a, b] * X[..., a:a + sh * (oh - 1) + 1:sh,
                                b:b + sw * (ow - 1) + 1:sw]
    return Y


def corr2d_multi_in(X, K):
    """Sum over input channels: ``X`` is ``(c_in, h, w)``, ``K`` is ``(c_in, kh, kw)``."""
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    """One output channel per kernel: ``K`` is ``(c_out, c_in, kh, kw)``.

    Returns ``(c_out, ...)``.
    """
    return np.stack([corr2d_multi_in(X, k) for k in K])


def pool2d(X, pool_size, stride=None, mode="max"):
    """Max or average (``mode="avg"``) pooling over the last two axes of
    ``X``.

    Windows of ``pool_size`` moved by ``stride`` (default: ``pool_size``, as
    in Gluon).
    """
    (ph, pw) = _pair(pool_size, "pool_size")
    (sh, sw) = _pair(stride if stride is not None else pool_size, "stride")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    oh, ow = conv_output_shape(X.shape[-2:], (ph, pw), 0, (sh, sw))
    windows = [X[..., a:a + sh * (oh - 1) + 1:sh,
                 b:b + sw * (ow - 1) + 1:sw]
               for a in range(ph) for b in range(pw)]
    stacked = np.stack(windows)
    return stacked.max(axis=0) if mode == "max" else stacked.mean(axis=0)


def corr2d_backward(X, K, dY):
    """Gradients ``(dX, dK)`` of ``J`` for ``Y = corr2d(X, K)``, given
    ``dY`` = dJ/dY.

    ``dK[a, b] = sum_ij dY[i, j] X[i + a, j + b]``: the input correlated
    with ``dY``. ``dX`` is ``dY`` padded with ``kh - 1``, ``kw - 1`` zeros
    and correlated with the kernel flipped both ways (a "full"
    convolution).
    """
    kh, kw = K.shape
    oh, ow = dY.shape
    dK = np.stack([np.stack([(dY * X[a:a + oh, b:b + ow]).sum()
                             for b in range(kw)])
                   for a in range(kh)])
    dX = corr2d(np.pad(dY, ((kh - 1, kh - 1), (kw - 1, kw - 1))),
                K[::-1, ::-1])
    return dX, dK


def max_pool2d_backward(X, dY, pool_size):
    """Gradient dJ/dX of max pooling ``pool2d(X, pool_size)`` (stride =
    window), given dJ/dY.

    Each window passes its gradient to the position of its maximum (the
    first one on a tie); the other entries, and rows or columns that no
    window covers, get 0. ``X`` is ``(..., h, w)``.
    """
    p, q = _pair(pool_size, "pool_size")
    oh, ow = dY.shape[-2:]
    lead, n = X.shape[:-2], X.ndim - 2  # n leading axes
    # (..., oh, ow, p * q): one row per window
    windows = X[..., :oh * p, :ow * q].reshape(lead + (oh, p, ow, q))
    windows = np.moveaxis(windows, n + 1, n + 2).reshape(
        lead + (oh, ow, p * q))
    is_max = windows == windows.max(axis=n + 2, keepdims=True)
    first = is_max * (np.cumsum(is_max, axis=n + 2) == 1)
    dW = first * np.expand_dims(dY, n + 2)
    dX = np.moveaxis(dW.reshape(lead + (oh, ow, p, q)),
                     n + 2, n + 1).reshape(lead + (oh * p, ow * q))
    h, w = X.shape[-2:]
    return np.pad(dX, ((0, 0),) * len(lead)
                  + ((0, h - oh * p), (0, w - ow * q)))


def lenet(batch_norm=False):
    """LeNet-5 with ReLU and max pooling, for 1 x 28 x 28 images and 10
    classes.

    Conv(6, 5x5, padding 2) - pool - Conv(16, 5x5) - pool - Dense 120 -
    Dense 84 - Dense 10. ``batch_norm=True`` puts a ``BatchNorm`` before
    every ReLU. Not initialized.
    """
    net = nn.HybridSequential()

    def block(layer):
        net.add(layer)
        if batch_norm:
            net.add(nn.BatchNorm())
        net.add(nn.Activation("relu"))

    block(nn.Conv2D(6, kernel_size=5, padding=2))
    net.add(nn.MaxPool2D(pool_size=2, strides=2))
    block(nn.Conv2D(16, kernel_size=5))
    net.add(nn.MaxPool2D(pool_size=2, strides=2))
    block(nn.Dense(120))
    block(nn.Dense(84))
    net.add(nn.Dense(10))
    return net


def fashion_cnn():
    """The CNN chapter's Fashion-MNIST network (1 x 28 x 28 in, 10 out).

    Two blocks of 3x3 convolution (32, then 64 channels, padding 1, no
    bias), ``BatchNorm``, ReLU and 2x2 max pooling (28 -> 14 -> 7); then
    dropout 0.3, 256 dense units with ``BatchNorm`` and ReLU, dropout 0.5,
    and the 10 output scores. Not initialized.
    """
    net = nn.HybridSequential()
    for channels in (32, 64):
        net.add(nn.Conv2D(channels, kernel_size=3, padding=1,
                          use_bias=False),
                nn.BatchNorm(), nn.Activation("relu"), nn.MaxPool2D(2))
    net.add(nn.Flatten(), nn.Dropout(0.3),
            nn.Dense(256, use_bias=False), nn.BatchNorm(),
            nn.Activation("relu"), nn.Dropout(0.5), nn.Dense(10))
    return net


def train_lenet(batch_size=128, num_epochs=8, lr=3e-3, seed=0,
                device=None, reuse=False, verbose=True):
    """Train (or, with ``reuse=True``, load if cached) the book's LeNet.

    LeNet with batch norm, Xavier init, hybridized, trained by
    :func:`~d2lite.train` with Adam and a cosine schedule from ``lr`` to 0
    on the 55,000 training images of ``load_data_mnist_validation`` and
    validated on the other 5,000. :func:`~d2lite.train_or_load` keeps the
    parameters in the cache, so another notebook can load the same model.
    Returns ``(net, history)``; ``history`` is None when it was loaded.
    """
    from mxnet import gluon, init, lr_scheduler

    from ..data import load_data_mnist_validation
    from ..device import try_gpu
    from ..training import train
    from ..utils import set_seed, train_or_load
    device = device or try_gpu()
    config = dict(batch_norm=True, batch_size=batch_size,
                  num_epochs=num_epochs, lr=lr, schedule="cosine",
                  optimizer="adam", num_validation=5000, seed=seed)
    set_seed(seed)
    net = lenet(batch_norm=True)
    net.initialize(init.Xavier(), ctx=device)
    net.hybridize()

    def train_now():
        train_iter, valid_iter, _ = load_data_mnist_validation(batch_size)
        schedule = lr_scheduler.CosineScheduler(
            num_epochs * len(train_iter), base_lr=lr, final_lr=0)
        trainer = gluon.Trainer(net.collect_params(), "adam",
                                {"learning_rate": lr,
                                 "lr_scheduler": schedule})
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        return train(net, train_iter, valid_iter, loss, num_epochs,
                     trainer, device, animate=False, verbose=verbose,
                     eval_name="valid")

    history = train_or_load(net, "lenet", config, train_now, reuse, device)
    return net, history
