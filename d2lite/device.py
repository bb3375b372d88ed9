"""Where computation happens: a GPU when there is one, the CPU otherwise."""
import mxnet as mx


def cpu():
    """Return the CPU context."""
    return mx.cpu()


def num_gpus():
    """Return the number of GPUs MXNet can use (0 with a CPU-only MXNet build)."""
    try:
        return mx.context.num_gpus()
    except mx.base.MXNetError:  # a CUDA build on a machine without a driver
        return 0


def try_gpu(i=0):
    """Return ``gpu(i)`` if that GPU exists, else ``cpu()``.

    Examples
    --------
    >>> from mxnet import np
    >>> x = np.ones(3, ctx=try_gpu())   # runs on a GPU when there is one
    """
    if i < 0:
        raise ValueError(f"GPU index must be >= 0, got {i}")
    return mx.gpu(i) if num_gpus() >= i + 1 else mx.cpu()


def try_all_gpus():
    """Return every GPU context, or ``[cpu()]`` when there is none."""
    return [mx.gpu(i) for i in range(num_gpus())] or [mx.cpu()]
