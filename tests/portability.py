"""The portability run: every notebook and the unit tests under settings that stand in for other CPUs.

MXNet and oneDNN choose kernels, blocking and parallel splits per instruction
set and thread count, so float32 results differ in their last bits from one
machine to the next, and a long training amplifies that. ``make portability``
executes the whole book (and ``pytest tests``) once per setting below, each
in a fresh kernel with a fresh model cache, and then prints:

- which notebook cells failed under which setting (a hidden assert whose
  claim did not hold there fails its cell);
- the headline numbers (``HEADLINES``, read from what the notebooks glue)
  under every setting, their spread, and the margin left to the bound that
  the notebook's hidden assert checks.

Settings: ``native`` (this machine as it is), ``avx2`` and ``sse41``
(``DNNL_MAX_CPU_ISA``: oneDNN's kernels for an older instruction set),
``threads1`` and ``threads4`` (``OMP_NUM_THREADS``: other parallel splits),
``no-tuning`` (``MXNET_USE_OPERATOR_TUNING=0``: MXNet stops timing the
machine to decide how to parallelize), ``seed1`` and ``seed2``
(``D2LITE_SEED_OFFSET``: every ``d2lite.set_seed`` shifted). Results go to
``_build/portability/<setting>/results.json``, executed notebooks beside
them; a setting and notebook already there are not run again unless
``--fresh``. ``--jobs 2`` runs two settings at a time.

Usage::

    python tests/portability.py                       # everything (hours on 2 cores)
    python tests/portability.py --settings sse41 seed1 --notebooks book/rnn
    python tests/portability.py --report              # print the tables again
    python tests/portability.py --machine             # CPU, cores, oneDNN's ISA
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "portability"

SETTINGS = {
    "native": {},
    "avx2": {"DNNL_MAX_CPU_ISA": "AVX2"},
    "sse41": {"DNNL_MAX_CPU_ISA": "SSE41"},
    "threads1": {"OMP_NUM_THREADS": "1"},
    # Four threads on fewer cores: spinning threads would wait for each other's
    # time slices, so they sleep while waiting (as on any shared machine).
    "threads4": {"OMP_NUM_THREADS": "4", "OMP_WAIT_POLICY": "PASSIVE"},
    "no-tuning": {"MXNET_USE_OPERATOR_TUNING": "0"},
    "seed1": {"D2LITE_SEED_OFFSET": "1"},
    "seed2": {"D2LITE_SEED_OFFSET": "2"},
}

# The book's headline numbers: (label, notebook, glue name, bound its hidden
# assert checks as "> x" or "< x"). tests/test_numbers.py checks that each
# notebook glues the name and asserts the bound.
HEADLINES = [
    ("softmax regression, MNIST test accuracy", "book/softmax/softmax-gluon.ipynb",
     "test_acc", "> 0.9252"),
    ("MLP, MNIST test accuracy", "book/mlp/mlp-mnist.ipynb", "test_acc", "> 0.98"),
    ("LeNet, MNIST test accuracy", "book/cnn/lenet.ipynb", "test_acc", "> 0.99"),
    ("Fashion-MNIST CNN, test accuracy", "book/cnn/fashion-cnn.ipynb", "test_acc", "> 0.92"),
    ("RNN from scratch, clipped, dev perplexity", "book/rnn/rnn-scratch.ipynb", "clip_dev",
     "< 900"),
    ("GRU, dev perplexity", "book/rnn/gru-lstm.ipynb", "gru_dev", "< 140"),
    ("poems, well-formed share", "book/rnn/writing-poems.ipynb", "well_formed", "> 0.8"),
]


def notebooks(selected=None):
    """The book's notebooks in table-of-contents order, or those under ``selected``."""
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    names = re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*(\S+)", text, flags=re.M)
    paths = [f"{name}.ipynb" for name in names if (ROOT / f"{name}.ipynb").exists()]
    if selected:
        paths = [p for p in paths if any(p == s or p.startswith(s.rstrip("/") + "/")
                                          for s in selected)]
    return paths


def environment(setting, cache):
    """The environment of a kernel under ``setting``, with its own model cache."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DNNL_MAX_CPU_ISA", "MXNET_USE_OPERATOR_TUNING", "D2LITE_SEED_OFFSET")}
    env.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    env.update(SETTINGS[setting])
    env["XDG_CACHE_HOME"] = str(cache)  # trained models are never shared between settings
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def glued(nb):
    """``{name: text}`` of every value a notebook glued (myst-nb's scrapbook outputs)."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                prefix = meta.get("mime_prefix", "")
                values[meta["name"]] = output["data"].get(prefix + "text/plain")
    return values


def errors(nb):
    """``[(cell number, 'Name: message')]`` of every cell that raised."""
    found = []
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append((number, f"{output['ename']}: {output['evalue']}"[:300]))
    return found


def run_notebook(path, env):
    """Execute one notebook in a fresh kernel; every cell runs even after a failure."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str((ROOT / path).parent)}})
    start = time.perf_counter()
    client.execute(env=env)
    return nb, time.perf_counter() - start


def run_unit_tests(env):
    """``pytest tests`` under ``env``: (passed, summary line)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "tests", "--ignore=tests/browser",
                           "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode == 0, (lines[-1] if lines else done.stderr[-300:])


def load_results():
    """``{setting: {"machine": ..., "notebooks": {...}, "unit": ...}}`` of every setting run so far."""
    return {path.parent.name: json.loads(path.read_text())
            for path in sorted(OUT.glob("*/results.json"))}


def save_results(setting, entry):
    folder = OUT / setting
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "results.json.tmp"
    tmp.write_text(json.dumps(entry, indent=1, ensure_ascii=False))
    os.replace(tmp, folder / "results.json")


def run_setting(setting, paths, unit, fresh, extra_env=None):
    """Run ``paths`` (and the unit tests) under one setting; results saved as they come."""
    import nbformat

    entry = {} if fresh else load_results().get(setting, {})
    entry.setdefault("notebooks", {})
    with tempfile.TemporaryDirectory(prefix=f"d2lite-{setting}-") as cache:
        env = {**environment(setting, cache), **(extra_env or {})}
        entry["machine"] = machine(env)
        for path in paths:
            if path in entry["notebooks"] and not fresh:
                continue
            print(f"[{setting}] {path} ...", flush=True)
            nb, seconds = run_notebook(path, env)
            failed = errors(nb)
            entry["notebooks"][path] = {"seconds": round(seconds, 1), "errors": failed,
                                        "glue": glued(nb)}
            target = OUT / setting / path
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            print(f"[{setting}] {path}: {seconds:.0f} s"
                  + (f", {len(failed)} FAILED" if failed else ""), flush=True)
            save_results(setting, entry)
        if unit and (fresh or "unit" not in entry):
            print(f"[{setting}] unit tests ...", flush=True)
            ok, summary = run_unit_tests(env)
            entry["unit"] = {"passed": ok, "summary": summary}
            print(f"[{setting}] unit tests: {summary}", flush=True)
            save_results(setting, entry)


def run(settings, paths, unit, fresh, jobs):
    """Run every setting, ``jobs`` of them at a time (each in its own process).

    With more than one job the settings share the cores, so waiting OpenMP
    threads sleep (``OMP_WAIT_POLICY=PASSIVE``) instead of spinning against
    each other; the wait policy changes speed, never a result.
    """
    if jobs == 1:
        for setting in settings:
            run_setting(setting, paths, unit, fresh)
        return
    command = [sys.executable, __file__, "--jobs", "1", "--notebooks", *paths,
               *(["--no-unit"] if not unit else []), *(["--fresh"] if fresh else []),
               "--no-report", "--settings"]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    waiting, running = list(settings), []
    while waiting or running:
        while waiting and len(running) < jobs:
            running.append(subprocess.Popen(command + [waiting.pop(0)], env=env))
        time.sleep(2)
        running = [process for process in running if process.poll() is None]


def as_number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def report(results, paths=None):
    """Print failures, the headline table and the time per setting; True when all passed."""
    settings = [s for s in SETTINGS if s in results]
    ok = True
    print("\n## Failures")
    for setting in settings:
        entry = results[setting]
        for path, nb in entry["notebooks"].items():
            if paths and path not in paths:
                continue
            for cell, message in nb["errors"]:
                ok = False
                print(f"- {setting}: {path}, code cell {cell}: {message}")
        if "unit" in entry and not entry["unit"]["passed"]:
            ok = False
            print(f"- {setting}: unit tests: {entry['unit']['summary']}")
    if ok:
        print("none")

    print("\n## Headline numbers by setting (spread = max - min; margin = closest value to the "
          "assert's bound, relative to the bound)")
    print("| number | assert | " + " | ".join(settings) + " | spread | margin |")
    print("|---|---|" + "---:|" * (len(settings) + 2))
    for label, path, name, bound in HEADLINES:
        values = [as_number(results[s]["notebooks"].get(path, {}).get("glue", {}).get(name))
                  for s in settings]
        known = [v for v in values if v is not None]
        cells = [f"{v:.4g}" if v is not None else "-" for v in values]
        spread = f"{max(known) - min(known):.3g}" if known else "-"
        op, limit = bound.split()
        limit = float(limit)
        if known:
            worst = min(known) if op == ">" else max(known)
            margin = (worst - limit) / abs(limit) * (1 if op == ">" else -1)
            margin = f"{margin:+.1%}"
        else:
            margin = "-"
        print(f"| {label} | {bound} | " + " | ".join(cells) + f" | {spread} | {margin} |")

    print("\n## Minutes of notebook execution per setting")
    for setting in settings:
        minutes = sum(nb["seconds"] for nb in results[setting]["notebooks"].values()) / 60
        unit = results[setting].get("unit", {}).get("summary", "not run")
        print(f"- {setting} ({results[setting].get('machine', {}).get('isa', '?')}): "
              f"{minutes:.1f} min over {len(results[setting]['notebooks'])} notebooks; "
              f"unit tests: {unit}")
    return ok


def machine(env=None):
    """The CPU model, core count and the instruction set oneDNN picks under ``env``."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    code = ("import d2lite; from mxnet import np, npx; "
            "npx.convolution(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), kernel=(3, 3), "
            "num_filter=1, no_bias=True).wait_to_read()")
    env = dict(env or os.environ)
    env["DNNL_VERBOSE"] = "1"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    isa = re.search(r"info,cpu,isa:(.*)", done.stdout + done.stderr)
    return {"cpu": model, "cores": os.cpu_count(),
            "threads": env.get("OMP_NUM_THREADS", "(MXNet's default)"),
            "isa": isa.group(1).strip() if isa else "unknown (oneDNN printed none)"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--notebooks", nargs="+", help="notebooks or folders (default: all)")
    parser.add_argument("--no-unit", action="store_true", help="skip the unit tests")
    parser.add_argument("--fresh", action="store_true", help="run again what results.json has")
    parser.add_argument("--jobs", type=int, default=1,
                        help="settings run at the same time (default 1)")
    parser.add_argument("--report", action="store_true", help="only print the tables")
    parser.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--machine", action="store_true", help="only print the machine")
    args = parser.parse_args()
    if args.machine:
        info = machine()
        print(f"CPU: {info['cpu']}; cores: {info['cores']}; OpenMP threads: {info['threads']}; "
              f"oneDNN instruction set: {info['isa']}")
        return 0
    paths = notebooks(args.notebooks)
    if not args.report:
        run(args.settings, paths, not args.no_unit, args.fresh, args.jobs)
    if args.no_report:
        return 0
    ok = report(load_results(), paths if args.notebooks else None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
