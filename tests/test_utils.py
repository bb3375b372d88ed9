import random

import numpy as onp
import pytest
from mxnet import np

import d2lite
import d2lite.utils as utils


def test_timer_measures_with_the_real_clock():
    timer = d2lite.Timer()
    first = timer.stop()
    assert first >= 0 and timer.times == [first]
    timer.start()
    second = timer.stop()
    assert second >= 0 and timer.times == [first, second]


def test_timer_sum_avg_cumsum(monkeypatch):
    clock = iter([10.0, 12.5, 20.0, 21.0, 30.0, 30.5])
    monkeypatch.setattr(utils.time, "perf_counter", lambda: next(clock))
    timer = d2lite.Timer()          # starts at 10.0
    assert timer.stop() == 2.5
    timer.start()                   # 20.0
    assert timer.stop() == 1.0
    timer.start()                   # 30.0
    timer.stop()
    assert timer.times == [2.5, 1.0, 0.5]
    assert timer.sum() == pytest.approx(4.0)
    assert timer.avg() == pytest.approx(4.0 / 3)
    assert timer.cumsum() == pytest.approx([2.5, 3.5, 4.0])


def test_accumulator_adds_indexes_resets():
    metric = d2lite.Accumulator(2)
    assert len(metric) == 2 and metric[0] == metric[1] == 0.0
    metric.add(3.0, 10)
    metric.add(1, np.array(10))      # MXNet scalars are summed as floats
    assert metric[0] == 4.0 and metric[1] == 20.0
    assert metric[0] / metric[1] == 0.2
    assert metric[:] == [4.0, 20.0]
    metric.reset()
    assert metric[:] == [0.0, 0.0]


def test_accumulator_rejects_wrong_arity():
    metric = d2lite.Accumulator(2)
    with pytest.raises(ValueError, match="expected 2 values, got 1"):
        metric.add(1.0)
    with pytest.raises(ValueError):
        metric.add(1.0, 2.0, 3.0)
    assert metric[:] == [0.0, 0.0]


@pytest.mark.parametrize("n", [0, -1])
def test_accumulator_needs_one_sum(n):
    with pytest.raises(ValueError):
        d2lite.Accumulator(n)


def _draw():
    return (np.random.uniform(size=5).asnumpy(), onp.random.rand(5), random.random())


def test_set_seed_repeats_every_generator():
    d2lite.set_seed(42)
    mx_a, np_a, py_a = _draw()
    d2lite.set_seed(42)
    mx_b, np_b, py_b = _draw()
    assert (mx_a == mx_b).all() and (np_a == np_b).all() and py_a == py_b
    d2lite.set_seed(43)
    mx_c, np_c, py_c = _draw()
    assert (mx_a != mx_c).all() and (np_a != np_c).all() and py_a != py_c


def test_timer_avg_before_any_stop_is_a_clear_error():
    timer = d2lite.Timer()
    with pytest.raises(RuntimeError, match=r"call timer.stop\(\) before timer.avg\(\)"):
        timer.avg()
    timer.stop()
    assert timer.avg() == timer.times[0]


def test_num_params_counts_learned_parameters_only():
    from mxnet import init
    from mxnet.gluon import nn
    net = nn.HybridSequential()
    net.add(nn.Dense(3, in_units=4), nn.BatchNorm(in_channels=3))
    net.initialize(init.Xavier())
    # dense 4*3 + 3, batch norm gamma and beta; not its two moving averages
    assert d2lite.num_params(net) == 4 * 3 + 3 + 2 * 3


def test_cached_model_path_is_keyed_by_the_whole_config(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = d2lite.cached_model_path("lenet", {"lr": 0.1, "epochs": 2})
    assert path.parent == d2lite.cache_dir() / "models"
    assert path.name.startswith("lenet-") and path.suffix == ".params"
    # key order does not matter, any value does
    assert path == d2lite.cached_model_path("lenet", {"epochs": 2, "lr": 0.1})
    assert path != d2lite.cached_model_path("lenet", {"lr": 0.1, "epochs": 3})
    assert path != d2lite.cached_model_path("mlp", {"lr": 0.1, "epochs": 2})


def _tiny_dense(units):
    from mxnet import init
    from mxnet.gluon import nn
    net = nn.HybridSequential()  # in a container, as in the book (a lone layer saves
    net.add(nn.Dense(units, in_units=4))  # in MXNet's legacy format)
    net.initialize(init.Normal(1.0))
    return net


def test_train_or_load_trains_once_then_loads(monkeypatch, tmp_path):
    from mxnet import np
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    trained = _tiny_dense(3)
    calls = []
    history = d2lite.train_or_load(trained, "tiny", {"lr": 0.1},
                                   lambda: calls.append(1) or {"loss": [1.0]})
    assert history == {"loss": [1.0]} and calls == [1]
    fresh = _tiny_dense(3)
    assert d2lite.train_or_load(fresh, "tiny", {"lr": 0.1}, lambda: calls.append(2),
                                reuse=True) is None
    assert calls == [1]                                  # loaded, not trained
    x = np.ones((2, 4))
    assert (fresh(x) == trained(x)).all()
    # without reuse it trains again; another set-up or network is never loaded
    d2lite.train_or_load(_tiny_dense(3), "tiny", {"lr": 0.1}, lambda: calls.append(3))
    d2lite.train_or_load(_tiny_dense(3), "tiny", {"lr": 0.2}, lambda: calls.append(4),
                         reuse=True)
    d2lite.train_or_load(_tiny_dense(5), "tiny", {"lr": 0.1}, lambda: calls.append(5),
                         reuse=True)
    assert calls == [1, 3, 4, 5]


def test_save_parameters_round_trips_and_leaves_no_temporary(tmp_path):
    from mxnet import init
    from mxnet.gluon import nn
    net = nn.Dense(2, in_units=3)
    net.initialize(init.Normal())
    path = tmp_path / "models" / "net.params"
    d2lite.save_parameters(net, path)
    assert [p.name for p in path.parent.iterdir()] == ["net.params"]
    other = nn.Dense(2, in_units=3)
    other.load_parameters(str(path))
    onp.testing.assert_array_equal(other.weight.data().asnumpy(), net.weight.data().asnumpy())


def test_glue_stores_plain_numbers_and_displays_nothing(monkeypatch):
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *args, **kwargs: calls.append((args, kwargs)))
    d2lite.glue("acc", np.array(0.9876))
    d2lite.glue("count", onp.int64(12))
    d2lite.glue("name", "LeNet")
    (name, value), kwargs = calls[0]
    assert name == "acc" and type(value) is float and abs(value - 0.9876) < 1e-6
    assert kwargs == {"display": False}
    assert calls[1][0] == ("count", 12) and type(calls[1][0][1]) is int
    assert calls[2][0] == ("name", "LeNet")
    # A format such as .2% works on what is stored (myst-nb formats its repr).
    assert format(float(repr(value)), ".2%") == "98.76%"


def test_seed_offset_shifts_every_seed_and_the_model_cache(monkeypatch):
    monkeypatch.delenv("D2LITE_SEED_OFFSET", raising=False)
    d2lite.set_seed(3)
    plain = onp.random.rand()
    path = d2lite.cached_model_path("m", {"seed": 0})
    monkeypatch.setenv("D2LITE_SEED_OFFSET", "2")
    assert d2lite.seed_offset() == 2
    d2lite.set_seed(1)  # 1 + 2
    assert onp.random.rand() == plain
    assert d2lite.cached_model_path("m", {"seed": 0}) != path  # never a model of another seed
    monkeypatch.setenv("D2LITE_SEED_OFFSET", "two")
    with pytest.raises(ValueError, match="D2LITE_SEED_OFFSET"):
        d2lite.seed_offset()
