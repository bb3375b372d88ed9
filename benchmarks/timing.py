"""Throughput of one training step, the same way for every framework.

Both runners (``mxnet_step.py`` and ``torch_step.py``) call :func:`throughput`
with a function that runs one training step (forward, backward, optimizer
update) and a function that waits until queued work is done.
"""
import json
import statistics
import time


def throughput(step, sync, items_per_step, warmup=5, windows=5, window_seconds=1.0):
    """Median items per second over ``windows`` timed windows, after ``warmup`` steps.

    The number of steps in a window is chosen from the warm-up so that one
    window lasts about ``window_seconds``. Returns ``(median, [per window])``.
    """
    if warmup < 1 or windows < 1:
        raise ValueError(f"need warmup >= 1 and windows >= 1, got {warmup} and {windows}")
    sync()
    start = time.perf_counter()
    for _ in range(warmup):
        step()
    sync()
    per_step = (time.perf_counter() - start) / warmup
    steps = max(1, round(window_seconds / max(per_step, 1e-9)))
    rates = []
    for _ in range(windows):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        rates.append(steps * items_per_step / (time.perf_counter() - start))
    return statistics.median(rates), rates


def add_timing_arguments(parser, models):
    """The command-line options both runners share."""
    parser.add_argument("--model", choices=models, required=True)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-seconds", type=float, default=1.0)


def report(framework, version, args, step, sync):
    """Time ``step`` as ``args`` says and print the result as one JSON object."""
    median, rates = throughput(step, sync, args.batch_size, args.warmup, args.windows,
                               args.window_seconds)
    print(json.dumps({"framework": framework, "version": version, "model": args.model,
                      "batch_size": args.batch_size, "items_per_s": median, "windows": rates}))
