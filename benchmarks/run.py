"""The d2lite benchmark: training throughput against PyTorch, MXNet's levers, the book's time.

``make bench`` runs this with the book's environment; PyTorch lives in a
separate environment (``.venv-bench``), passed as ``--torch-python``. Every
measurement runs in a fresh process, because MXNet reads its settings from the
environment once, when it loads. Results go to ``_build/bench.json``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODELS = ("softmax", "mlp", "lenet")
# What MXNet reads at load time; "defaults" removes all of them.
MXNET_KEYS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MXNET_ENGINE_TYPE", "MXNET_MKLDNN_ENABLED")


def book_environment():
    """The settings ``import d2lite`` applies, read from a fresh process."""
    code = ("import json, os, d2lite; "
            f"print(json.dumps({{k: os.environ.get(k) for k in {MXNET_KEYS!r}}}))")
    env = {k: v for k, v in os.environ.items() if k not in MXNET_KEYS}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    return {k: v for k, v in json.loads(out.splitlines()[-1]).items() if v is not None}


def lever_configs(threads):
    """``(name, environment, hybridize)`` for MXNet's defaults and each lever added in turn."""
    omp = {"OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    naive = {**omp, "MXNET_ENGINE_TYPE": "NaiveEngine"}
    return [
        ("MXNet defaults", {}, "none"),
        (f"+ {threads} OpenMP threads", omp, "none"),
        ("+ hybridize()", omp, "plain"),
        ("+ static_alloc/shape", omp, "static"),
        ("+ NaiveEngine", naive, "static"),
        ("  same, oneDNN off", {**naive, "MXNET_MKLDNN_ENABLED": "0"}, "static"),
    ]


def run_json(command, env):
    """Run ``command``; return the JSON object it prints last."""
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def mxnet_rate(model, settings, hybridize, timing):
    env = {k: v for k, v in os.environ.items() if k not in MXNET_KEYS}
    env.update(settings)
    command = [sys.executable, str(HERE / "mxnet_step.py"), "--model", model,
               "--hybridize", hybridize, *timing]
    return run_json(command, env)["items_per_s"]


def torch_rate(python, model, threads, timing):
    command = [python, str(HERE / "torch_step.py"), "--model", model,
               "--threads", str(threads), *timing]
    return run_json(command, dict(os.environ))["items_per_s"]


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
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--torch-python", help="Python with PyTorch; without it, MXNet only")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-levers", action="store_true", help="skip the lever table")
    parser.add_argument("--quick", action="store_true",
                        help="one tiny window per measurement (a smoke test, not a benchmark)")
    parser.add_argument("--output", default=str(ROOT / "_build" / "bench.json"))
    parser.add_argument("--notebook-times", default=str(ROOT / "_build" / "notebook-times.json"))
    args = parser.parse_args(argv)
    timing = (["--warmup", "1", "--windows", "1", "--window-seconds", "0.01"] if args.quick
              else ["--warmup", "10", "--windows", "7", "--window-seconds", "1.0"])
    book_env = book_environment()
    results = {"threads": args.threads, "book_environment": book_env, "models": {}}

    rows = []
    for model in args.models:
        mx_rate = mxnet_rate(model, book_env, "static", timing)
        entry = {"mxnet": mx_rate}
        row = [model, f"{mx_rate:,.0f}"]
        if args.torch_python:
            pt_rate = torch_rate(args.torch_python, model, args.threads, timing)
            entry.update(pytorch=pt_rate, ratio=mx_rate / pt_rate)
            row += [f"{pt_rate:,.0f}", f"{mx_rate / pt_rate:.2f}"]
        results["models"][model] = entry
        rows.append(row)
        print(f"  measured {model}", file=sys.stderr, flush=True)
    header = ["model (batch 256)", "MXNet img/s"]
    if args.torch_python:
        header += ["PyTorch img/s", "MXNet/PyTorch"]
    print(f"Training throughput, {args.threads} threads, the book's settings: {book_env}")
    print(table(rows, header))

    if not args.no_levers:
        lever_rows, levers = [], {}
        baseline = {}
        for name, settings, hybridize in lever_configs(args.threads):
            row = [name]
            for model in args.models:
                rate = mxnet_rate(model, settings, hybridize, timing)
                baseline.setdefault(model, rate)
                levers.setdefault(name, {})[model] = rate
                row.append(f"{rate:,.0f} ({rate / baseline[model]:.2f}x)")
            lever_rows.append(row)
            print(f"  measured {name.strip()}", file=sys.stderr, flush=True)
        results["levers"] = levers
        print("\nMXNet levers, img/s (speed-up over MXNet's defaults), each row adds one:")
        print(table(lever_rows, ["setting", *args.models]))

    chapters = chapter_times(Path(args.notebook_times))
    if chapters is None:
        print(f"\nNo notebook times yet: `make notebooks` writes {args.notebook_times}.")
    else:
        results["chapters"] = chapters
        rows = [[c, f"{s:.0f}"] for c, s in chapters.items()]
        rows.append(["whole book", f"{sum(chapters.values()):.0f}"])
        print("\nCell execution per chapter (last `make notebooks` run):")
        print(table(rows, ["chapter", "seconds"]))

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nWrote {args.output}")


if __name__ == "__main__":
    main()
