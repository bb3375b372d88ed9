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
