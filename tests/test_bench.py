"""The benchmark's harness, a smoke run, and speed settings that keep results exact."""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402
from timing import throughput  # noqa: E402


def test_throughput_counts_items_per_second():
    calls = []
    median, rates = throughput(lambda: calls.append(1), lambda: None, items_per_step=10,
                               warmup=3, windows=4, window_seconds=0.001)
    assert len(rates) == 4 and median == statistics.median(rates)
    assert len(calls) >= 3 + 4
    assert all(r > 0 for r in rates)


def test_throughput_rejects_empty_runs():
    with pytest.raises(ValueError, match="windows"):
        throughput(lambda: None, lambda: None, 1, windows=0)


def test_chapter_times_groups_notebooks_by_folder(tmp_path):
    path = tmp_path / "times.json"
    path.write_text(json.dumps({"book/mlp/a.ipynb": 2.0, "book/mlp/b.ipynb": 3.0,
                                "book/tools.ipynb": 1.5}))
    assert run.chapter_times(path) == {"mlp": 5.0, "tools": 1.5}
    assert run.chapter_times(tmp_path / "missing.json") is None


def test_quick_run_measures_every_model(tmp_path, real_data_dir):
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                    "--no-levers", "--no-busy", "--output", str(out)],
                   check=True, capture_output=True)
    results = json.loads(out.read_text())
    assert set(results["models"]) == set(run.MODELS)
    assert all(entry["mxnet"] > 0 for entry in results["models"].values())
    loop = results["loop"]
    assert loop["images"] == 20 * 128 and 0 < loop["ratio"]


def test_book_environment_sets_the_threads_and_leaves_the_wait_policy():
    env = run.book_environment()
    assert env == {"OMP_NUM_THREADS": str(os.cpu_count())}
    code = "import os, d2lite; print(os.environ['OMP_NUM_THREADS'])"
    mine = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=mine, capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["1"]  # a reader's own setting wins


def test_runner_measures_under_the_settings_it_is_given():
    """mxnet_step imports d2lite, which must not fill in the settings under test."""
    code = ("import os, sys; sys.path.insert(0, 'benchmarks'); import mxnet_step; "
            "mxnet_step.import_d2lite(); print(os.environ.get('OMP_NUM_THREADS'))")
    out = subprocess.run([sys.executable, "-c", code], env=run.mxnet_env({}), capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["None"]


def _losses(model, settings, hybridize):
    command = [sys.executable, str(ROOT / "benchmarks" / "mxnet_step.py"), "--model", model,
               "--hybridize", hybridize, "--losses", "5"]
    return run.run_json(command, run.mxnet_env(settings))["losses"]


# How far two runs of the same five steps may drift when only the order of
# float32 additions differs. Another thread count or hybridize() splits and
# fuses the sums of a convolution or a matrix product differently, and each
# reordered sum may change in its last bits (float32 keeps 24 bits: 6e-8
# relative). The first loss comes from the same initial parameters, so it
# differs by that rounding alone (seen: 2.4e-7 relative); 1e-5 is forty times
# that. After an update the changes are carried on: SGD carries them in
# proportion (under 1e-5 after five steps here), but Adam divides each
# gradient by its own running size, so a parameter whose gradient is almost
# zero moves by about a whole learning rate in the direction its last bits
# choose. Seen after five steps: 4.7e-4 relative (Fashion-MNIST CNN, Adam,
# AMD EPYC, where the old absolute 1e-5 failed). Five steps of a learning rate
# of 3e-3 bound the move of any one parameter by 1.5e-2. A wrong setting (a
# changed initialization, dropout mask or update rule) changes even the first
# loss by far more than 1e-5.
FIRST_LOSS_RTOL = 1e-5
LATER_LOSSES_RTOL = {"sgd": 1e-4, "adam": 2e-2}


@pytest.mark.parametrize("model", list(run.MODELS))
def test_book_settings_train_like_mxnet_defaults(model):
    """Speed settings change the losses by float32 reordering at most, step by step."""
    fast = _losses(model, run.book_environment(), run.BOOK_HYBRIDIZE)
    default = _losses(model, {}, "none")
    assert fast[-1] < fast[0]  # it trains
    assert fast[0] == pytest.approx(default[0], rel=FIRST_LOSS_RTOL, abs=0)
    rtol = LATER_LOSSES_RTOL[run.MODELS[model]["optimizer"]]
    assert fast == pytest.approx(default, rel=rtol, abs=0)


@pytest.mark.parametrize("model", list(run.MODELS))
def test_same_settings_train_exactly_alike(model):
    """The same settings twice: the same sums in the same order, so the same bits."""
    first = _losses(model, run.book_environment(), run.BOOK_HYBRIDIZE)
    second = _losses(model, run.book_environment(), run.BOOK_HYBRIDIZE)
    assert first == second
