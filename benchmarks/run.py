"""The d2lite benchmark: training throughput against PyTorch, MXNet's levers, the book's time.

``make bench`` runs this with the book's environment; PyTorch lives in a
separate environment (``.venv-bench``), passed as ``--torch-python``. In one
run it prints: MXNet as the book runs it against PyTorch for every model of
``timing.MODELS``; MXNet's settings one at a time; both again while another
process keeps one core busy; d2lite's training loop against the bare step
(``train_loop.py``); and the seconds of cell execution per chapter. Every
measurement runs in a fresh process, because MXNet reads its settings from the
environment once, when it loads. Results go to ``_build/bench.json``.
"""
import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from timing import MODELS, unit  # noqa: E402

# What MXNet reads at load time; "defaults" removes all of them.
MXNET_KEYS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MXNET_ENGINE_TYPE", "MXNET_MKLDNN_ENABLED")
BOOK_HYBRIDIZE = "plain"  # the chapters call net.hybridize()


def book_environment():
    """The settings ``import d2lite`` applies, read from a fresh process."""
    code = ("import json, os, d2lite; "
            f"print(json.dumps({{k: os.environ.get(k) for k in {MXNET_KEYS!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], env=mxnet_env({}), capture_output=True,
                         text=True, check=True).stdout
    return {k: v for k, v in json.loads(out.splitlines()[-1]).items() if v is not None}


def lever_configs(threads):
    """``(name, environment, hybridize)``: MXNet's defaults, then one lever added per row.

    The last row is the book's settings with ``OMP_WAIT_POLICY=PASSIVE``
    (waiting OpenMP threads sleep instead of spinning), d2lite's old default.
    """
    omp = {"OMP_NUM_THREADS": str(threads)}
    naive = {**omp, "MXNET_ENGINE_TYPE": "NaiveEngine"}
    return [
        ("MXNet defaults", {}, "none"),
        (f"+ {threads} OpenMP threads", omp, "none"),
        ("+ hybridize() (the book)", omp, "plain"),
        ("+ static_alloc/shape", omp, "static"),
        ("+ NaiveEngine", naive, "static"),
        ("  same, oneDNN off", {**naive, "MXNET_MKLDNN_ENABLED": "0"}, "static"),
        ("the book + PASSIVE wait", {**omp, "OMP_WAIT_POLICY": "PASSIVE"}, "plain"),
    ]


@contextlib.contextmanager
def one_core_busy():
    """Keep one core busy with another process (a pure-Python loop) meanwhile."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        busy.kill()
        busy.wait()


def run_json(command, env):
    """Run ``command``; return the JSON object it prints last."""
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def mxnet_env(settings):
    """This process's environment with MXNet's load-time settings replaced by ``settings``."""
    env = {k: v for k, v in os.environ.items() if k not in MXNET_KEYS}
    env.update(settings)
    return env


def mxnet_rate(model, settings, hybridize, timing):
    command = [sys.executable, str(HERE / "mxnet_step.py"), "--model", model,
               "--hybridize", hybridize, *timing]
    return run_json(command, mxnet_env(settings))["items_per_s"]


def torch_rate(python, model, threads, timing):
    command = [python, str(HERE / "torch_step.py"), "--model", model,
               "--threads", str(threads), *timing]
    return run_json(command, dict(os.environ))["items_per_s"]


def label(model):
    """``model (batch N, unit/s)``, the row name in the tables."""
    return f"{model} ({MODELS[model]['batch_size']}, {unit(model)}/s)"


def chapter_times(path):
    """Seconds of cell execution per chapter from the last notebook run, or None."""
    if not path.exists():
        return None
    per_notebook = json.loads(path.read_text())
    chapters = {}
    for notebook, seconds in per_notebook.items():
        parts = Path(notebook).parts
        chapter = parts[1] if len(parts) > 2 else Path(notebook).stem
        chapters[chapter] = chapters.get(chapter, 0.0) + seconds
    return chapters


def table(rows, header):
    """Plain-text table, right-aligned numbers."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                       for i, (h, w) in enumerate(zip(header, widths))) for h in [header]]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--torch-python", help="Python with PyTorch; without it, MXNet only")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-levers", action="store_true", help="skip the lever table")
    parser.add_argument("--no-busy", action="store_true",
                        help="skip the table measured with one core busy elsewhere")
    parser.add_argument("--no-breakdown", action="store_true",
                        help="skip timing the forward, backward and update apart")
    parser.add_argument("--no-loop", action="store_true",
                        help="skip d2lite's training loop against the bare step")
    parser.add_argument("--quick", action="store_true",
                        help="one tiny window per measurement (a smoke test, not a benchmark)")
    parser.add_argument("--output", default=str(ROOT / "_build" / "bench.json"))
    parser.add_argument("--notebook-times", default=str(ROOT / "_build" / "notebook-times.json"))
    args = parser.parse_args(argv)
    timing = (["--warmup", "1", "--windows", "1", "--window-seconds", "0.01"] if args.quick
              else ["--warmup", "10", "--windows", "5", "--window-seconds", "1.0"])
    book_env = book_environment()
    results = {"threads": args.threads, "book_environment": book_env, "models": {}}

    def measure(model, settings):
        """MXNet under ``settings`` and the book's hybridize(), and PyTorch when given."""
        entry = {"mxnet": mxnet_rate(model, settings, BOOK_HYBRIDIZE, timing)}
        if args.torch_python:
            entry["pytorch"] = torch_rate(args.torch_python, model, args.threads, timing)
            entry["ratio"] = entry["mxnet"] / entry["pytorch"]
        print(f"  measured {model}", file=sys.stderr, flush=True)
        return entry

    rows = []
    for model in args.models:
        entry = results["models"][model] = measure(model, book_env)
        rows.append([label(model), f"{entry['mxnet']:,.0f}",
                     *([f"{entry['pytorch']:,.0f}", f"{entry['ratio']:.2f}"]
                       if args.torch_python else [])])
    header = ["model (batch, unit)", "MXNet"]
    if args.torch_python:
        header += ["PyTorch", "MXNet/PyTorch"]
    print(f"Training throughput, {args.threads} threads, the book's settings "
          f"({book_env}, hybridize()):")
    print(table(rows, header))

    if not args.no_levers:
        lever_rows, levers, baseline = [], {}, {}
        for name, settings, hybridize in lever_configs(args.threads):
            row = [name]
            for model in args.models:
                try:
                    rate = mxnet_rate(model, settings, hybridize, timing)
                except RuntimeError as error:  # e.g. the fused GRU under static_alloc
                    print(f"  {name.strip()} failed for {model}: {str(error)[-300:]}",
                          file=sys.stderr)
                    levers.setdefault(name.strip(), {})[model] = None
                    row.append("fails")
                    continue
                baseline.setdefault(model, rate)
                levers.setdefault(name.strip(), {})[model] = rate
                row.append(f"{rate:,.0f} ({rate / baseline[model]:.2f}x)")
            lever_rows.append(row)
            print(f"  measured {name.strip()}", file=sys.stderr, flush=True)
        results["levers"] = levers
        print("\nMXNet's levers, items/s (speed-up over MXNet's defaults); each row adds one:")
        print(table(lever_rows, ["setting", *args.models]))

    if not args.no_busy:
        busy_rows, busy = [], {}
        passive = {**book_env, "OMP_WAIT_POLICY": "PASSIVE"}
        with one_core_busy():
            for model in args.models:
                entry = measure(model, book_env)
                entry["mxnet_passive"] = mxnet_rate(model, passive, BOOK_HYBRIDIZE, timing)
                busy[model] = entry
                busy_rows.append([label(model), f"{entry['mxnet']:,.0f}",
                                  f"{entry['mxnet_passive']:,.0f}",
                                  *([f"{entry['pytorch']:,.0f}"] if args.torch_python else [])])
        results["one_core_busy"] = busy
        print("\nThe same with another process keeping one core busy, items/s:")
        print(table(busy_rows, ["model", "MXNet", "MXNet + PASSIVE",
                                *(["PyTorch"] if args.torch_python else [])]))

    if not args.no_breakdown:
        parts, part_rows, op_lines = {}, [], []
        for model in [m for m in args.models if m in ("mlp", "lenet")]:
            mx_ms = run_json([sys.executable, str(HERE / "mxnet_step.py"), "--model", model,
                              "--phases", *timing], mxnet_env(book_env))
            parts[model] = {"mxnet": mx_ms}
            if args.torch_python:
                parts[model]["pytorch"] = run_json(
                    [args.torch_python, str(HERE / "torch_step.py"), "--model", model,
                     "--threads", str(args.threads), "--phases", *timing], dict(os.environ))
            ops = run_json([sys.executable, str(HERE / "mxnet_step.py"), "--model", model,
                            "--operators"],
                           {**mxnet_env(book_env), "MXNET_EXEC_BULK_EXEC_TRAIN": "0"})
            parts[model]["mxnet_operators"] = ops
            for phase in ("forward", "backward", "update", "step"):
                part_rows.append([f"{model} {phase}", f"{mx_ms[phase]:.2f}",
                                  *([f"{parts[model]['pytorch'][phase]:.2f}"]
                                    if args.torch_python else [])])
            top = ", ".join(f"{name} {ms:.2f}" for name, ms in list(ops.items())[:4])
            op_lines.append(f"MXNet's largest operators in {model}, ms per step: {top}")
            print(f"  timed the parts of {model}", file=sys.stderr, flush=True)
        results["breakdown"] = parts
        print("\nWhere a training step's time goes, ms per step (batch 256):")
        print(table(part_rows, ["model and part", "MXNet",
                                *(["PyTorch"] if args.torch_python else [])]))
        print("\n".join(op_lines))

    if not args.no_loop:
        command = [sys.executable, str(HERE / "train_loop.py"),
                   *(["--limit", "20", "--repeats", "1"] if args.quick else [])]
        loop = run_json(command, dict(os.environ))
        results["loop"] = loop
        print(f"\nLeNet (batch norm, batch {loop['batch_size']}) on MNIST, images/s: "
              f"data loader alone {loop['loader only']:,.0f}; d2lite.train_epoch "
              f"{loop['d2lite.train_epoch']:,.0f}; bare step {loop['bare step']:,.0f}; "
              f"loop / bare step {loop['ratio']:.2f}")

    chapters = chapter_times(Path(args.notebook_times))
    if chapters is None:
        print(f"\nNo notebook times yet: `make notebooks` writes {args.notebook_times}.")
    else:
        results["chapters"] = chapters
        rows = [[c, f"{s:.0f}"] for c, s in chapters.items()]
        rows.append(["whole book", f"{sum(chapters.values()):.0f}"])
        print("\nCell execution per chapter (last `make notebooks` or `make test`):")
        print(table(rows, ["chapter", "seconds"]))

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nWrote {args.output}")


if __name__ == "__main__":
    main()
