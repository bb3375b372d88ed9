"""Where computation happens: a GPU when there is a usable one, the CPU otherwise."""
import functools
import warnings

import mxnet as mx

from .utils import _check_int


def cpu():
    """Return the CPU context."""
    return mx.cpu()


@functools.lru_cache(maxsize=None)
def _gpu_runs_kernels(i):
    """Run one tiny operation on ``gpu(i)``; warn and return False if it fails.

    A CUDA build of MXNet sees every GPU, but it only carries kernels for the
    GPU generations it was compiled for: MXNet 1.9.1's wheels stop at compute
    capability 8.x, so on a newer GPU (H100, say) every operation fails with
    "no kernel image is available". Better to compute on the CPU than to fail.
    """
    try:
        (mx.np.ones((1,), ctx=mx.gpu(i)) + 1).asnumpy()
        return True
    except mx.base.MXNetError as e:
        reason = str(e).strip().splitlines()[0][:200]
        warnings.warn(f"gpu({i}) is visible but this MXNet build cannot compute on it "
                      f"({reason}); using the CPU instead. See the README's GPU section "
                      f"for the GPUs each MXNet wheel supports.", RuntimeWarning, stacklevel=3)
        return False


def _usable_gpus():
    """Indices of the GPUs MXNet sees and can compute on."""
    try:
        visible = mx.context.num_gpus()
    except mx.base.MXNetError:  # a CUDA build on a machine without a driver
        return []
    return [i for i in range(visible) if _gpu_runs_kernels(i)]


def num_gpus():
    """Return the number of GPUs MXNet can compute on (0 with a CPU-only build)."""
    return len(_usable_gpus())


def try_gpu(i=0):
    """Return ``gpu(i)`` if that GPU exists and works, else ``cpu()``.

    ``i`` must be an integer >= 0 (a TypeError or ValueError otherwise).

    Examples
    --------
    >>> from mxnet import np
    >>> x = np.ones(3, ctx=try_gpu())   # runs on a GPU when there is one
    """
    i = _check_int(i, "the GPU index", 0)
    return mx.gpu(i) if i in _usable_gpus() else mx.cpu()


def try_all_gpus():
    """Return every usable GPU context, or ``[cpu()]`` when there is none."""
    return [mx.gpu(i) for i in _usable_gpus()] or [mx.cpu()]
