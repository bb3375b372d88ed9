import mxnet as mx
import pytest
from mxnet import np

import d2lite
import d2lite.device as device


@pytest.fixture
def gpus(monkeypatch):
    """Pretend the machine has ``n`` GPUs: ``gpus(n)``."""
    def set_count(n):
        monkeypatch.setattr(device, "_usable_gpus", lambda: list(range(n)))
    return set_count


def test_try_gpu_on_this_machine():
    ctx = d2lite.try_gpu()
    assert isinstance(ctx, mx.Context)
    assert ctx == (mx.gpu(0) if d2lite.num_gpus() else mx.cpu())
    assert ctx in d2lite.try_all_gpus()


def test_without_gpus_everything_is_cpu(gpus):
    gpus(0)
    assert d2lite.try_gpu() == mx.cpu()
    assert d2lite.try_gpu(3) == mx.cpu()
    assert d2lite.try_all_gpus() == [mx.cpu()]


def test_large_index_falls_back_to_cpu():
    assert d2lite.try_gpu(1000) == mx.cpu()


def test_negative_index_is_an_error():
    with pytest.raises(ValueError, match="-1"):
        d2lite.try_gpu(-1)


def test_gpu_path_picks_the_gpu(gpus):
    gpus(2)
    assert d2lite.try_gpu() == mx.gpu(0)
    assert d2lite.try_gpu(1) == mx.gpu(1)
    assert d2lite.try_gpu(2) == mx.cpu()
    assert d2lite.try_all_gpus() == [mx.gpu(0), mx.gpu(1)]


def test_num_gpus_is_zero_when_the_driver_is_missing(monkeypatch):
    def broken():
        raise mx.base.MXNetError("CUDA: no driver")
    monkeypatch.setattr(mx.context, "num_gpus", broken)
    assert device.num_gpus() == 0


def test_cpu():
    assert d2lite.cpu() == mx.cpu()


def test_array_lives_and_computes_on_try_gpu():
    ctx = d2lite.try_gpu()
    x = np.ones((2, 3), ctx=ctx)
    y = (x * 2).sum()
    assert x.ctx == ctx and y.ctx == ctx
    assert float(y) == 12.0


@pytest.fixture
def visible_gpus(monkeypatch):
    """Pretend MXNet sees ``n`` GPUs on which ``works(i)`` says whether kernels run."""
    def setup(n, works):
        monkeypatch.setattr(mx.context, "num_gpus", lambda: n)
        real_ones = mx.np.ones

        def ones(shape, ctx=None, **kwargs):
            if ctx is not None and ctx.device_type == "gpu":
                if not works(ctx.device_id):
                    raise mx.base.MXNetError("mxnet_generic_kernel ErrStr:no kernel image "
                                             "is available for execution on the device")
                ctx = mx.cpu()   # a stand-in for the GPU this machine does not have
            return real_ones(shape, ctx=ctx, **kwargs)

        monkeypatch.setattr(mx.np, "ones", ones)
        device._gpu_runs_kernels.cache_clear()
    yield setup
    device._gpu_runs_kernels.cache_clear()


def test_a_gpu_this_mxnet_build_cannot_run_on_falls_back_to_cpu(visible_gpus):
    visible_gpus(1, works=lambda i: False)
    with pytest.warns(RuntimeWarning, match=r"gpu\(0\).*no kernel image.*CPU"):
        assert d2lite.num_gpus() == 0
    assert d2lite.try_gpu() == mx.cpu()          # probed once, remembered, no new warning
    assert d2lite.try_all_gpus() == [mx.cpu()]


def test_working_gpus_are_used(visible_gpus):
    visible_gpus(2, works=lambda i: True)
    assert d2lite.num_gpus() == 2
    assert d2lite.try_gpu(1) == mx.gpu(1)
    assert d2lite.try_all_gpus() == [mx.gpu(0), mx.gpu(1)]


def test_only_the_gpus_that_work_are_used(visible_gpus):
    visible_gpus(2, works=lambda i: i == 1)
    with pytest.warns(RuntimeWarning, match=r"gpu\(0\)"):
        assert d2lite.try_gpu(0) == mx.cpu()
    assert d2lite.try_gpu(1) == mx.gpu(1)
    assert d2lite.num_gpus() == 1 and d2lite.try_all_gpus() == [mx.gpu(1)]


@pytest.mark.parametrize("index, error", [
    (1.5, TypeError), (1.0, TypeError), ("0", TypeError), (True, TypeError), (None, TypeError),
])
def test_gpu_index_must_be_an_integer(gpus, index, error):
    # Regression: try_gpu(1.5) and try_gpu(True) quietly returned a device.
    gpus(2)
    with pytest.raises(error, match="GPU index"):
        d2lite.try_gpu(index)
