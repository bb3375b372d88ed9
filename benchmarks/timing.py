"""What the two runners share: the models' set-ups and one way to time a training step.

Both runners (``mxnet_step.py`` and ``torch_step.py``) build the models of
:data:`MODELS` and call :func:`throughput` with a function that runs one
training step (forward, backward, optimizer update) and a function that waits
until queued work is done.
"""
import json
import statistics
import time

# Each model with the batch size, optimizer and initialization of both
# implementations. The image models read 1 x 28 x 28 images (one item: an
# image); the MLP and LeNet use batch 256, the Fashion-MNIST CNN and the poem
# GRU the batch sizes of their chapters. The GRU's item is a token.
MODELS = {
    "softmax": dict(batch_size=256, optimizer="sgd", lr=0.1, init="normal"),
    "mlp": dict(batch_size=256, optimizer="sgd", lr=0.1, init="normal"),
    "lenet": dict(batch_size=256, optimizer="sgd", lr=0.1, init="normal"),
    "fashion_cnn": dict(batch_size=128, optimizer="adam", lr=3e-3, init="xavier"),
    "gru_lm": dict(batch_size=32, optimizer="adam", lr=5e-3, init="xavier"),
}
# The poem language model of the RNN chapter: its vocabulary size, a 7-character
# quatrain's length, and the chapter's layer sizes, dropout and gradient clipping.
GRU_LM = dict(vocab_size=4101, num_steps=32, embed_size=128, num_hiddens=256, dropout=0.2,
              clip=1.0)


def unit(model):
    """What one item of ``model`` is: ``"token"`` or ``"img"``."""
    return "token" if model == "gru_lm" else "img"


def items_per_step(model, batch_size):
    """Images or tokens one training step of ``model`` processes."""
    return batch_size * (GRU_LM["num_steps"] if model == "gru_lm" else 1)


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


def phase_times(forward, forward_backward, full_step, sync, repeats=5, seconds=0.5):
    """Milliseconds per step spent in the forward pass, the backward pass and the update.

    The three functions run a forward pass (recording for autograd), a
    forward and backward pass, and a whole training step; each is timed as
    the best of ``repeats`` windows of about ``seconds``, and the phases are
    the differences.
    """
    best = {}
    for name, fn in (("forward", forward), ("forward_backward", forward_backward),
                     ("step", full_step)):
        _, rates = throughput(fn, sync, 1, warmup=5, windows=repeats, window_seconds=seconds)
        best[name] = 1e3 / max(rates)
    return {"forward": best["forward"], "backward": best["forward_backward"] - best["forward"],
            "update": best["step"] - best["forward_backward"], "step": best["step"]}


def add_timing_arguments(parser):
    """The command-line options both runners share."""
    parser.add_argument("--model", choices=list(MODELS), required=True)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: the model's batch size in MODELS")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-seconds", type=float, default=1.0)
    parser.add_argument("--phases", action="store_true",
                        help="instead of throughput, time forward, backward and update apart")


def batch_size(args):
    """The batch size the command line asks for, else the model's own."""
    return args.batch_size or MODELS[args.model]["batch_size"]


def report(framework, version, args, step, sync):
    """Time ``step`` as ``args`` says and print the result as one JSON object."""
    size = batch_size(args)
    median, rates = throughput(step, sync, items_per_step(args.model, size), args.warmup,
                               args.windows, args.window_seconds)
    print(json.dumps({"framework": framework, "version": version, "model": args.model,
                      "batch_size": size, "unit": unit(args.model), "items_per_s": median,
                      "windows": rates}))
