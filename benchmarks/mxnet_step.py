"""Training-step throughput of the benchmark models in MXNet Gluon, built by d2lite.

Run by ``run.py`` in a fresh process per configuration, because MXNet reads
its settings (engine, OpenMP threads, oneDNN) from the environment once, when
it loads. Prints one JSON object.

    python benchmarks/mxnet_step.py --model lenet --hybridize plain
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import (  # noqa: E402
    GRU_LM, MODELS, add_timing_arguments, batch_size, phase_times, report,
)


def import_d2lite():
    """``d2lite``, imported without letting it change the settings this run measures.

    ``import d2lite`` fills in ``OMP_NUM_THREADS`` before MXNet loads; here
    MXNet loads first, under the environment ``run.py`` chose, and the
    environment is put back as it was afterwards.
    """
    saved = dict(os.environ)
    import mxnet  # noqa: F401  (reads its settings now)
    import d2lite
    os.environ.clear()
    os.environ.update(saved)
    return d2lite


def build(name):
    """The model ``name`` as the book builds it, not initialized."""
    d2lite = import_d2lite()
    from mxnet.gluon import nn
    if name == "softmax":
        net = nn.HybridSequential()
        net.add(nn.Dense(10))
    elif name == "mlp":
        net = nn.HybridSequential()
        net.add(nn.Dense(256, activation="relu"), nn.Dense(10))
    elif name == "lenet":
        net = d2lite.lenet()
    elif name == "fashion_cnn":
        net = d2lite.fashion_cnn()
    elif name == "gru_lm":
        net = d2lite.RNNLM(GRU_LM["vocab_size"], GRU_LM["embed_size"], GRU_LM["num_hiddens"],
                           "gru", dropout=GRU_LM["dropout"])
    else:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    return net


def make_step(name, batch_size=None, hybridize="plain", seed=0):
    """``(step, sync)`` for one training step of model ``name`` on a fixed synthetic batch.

    ``step()`` waits for the step's loss and returns it, as a training loop
    that reads its loss does (without any wait, MXNet would queue hundreds of
    steps, and the pile of pending arrays slows it down). The GRU's step is
    the one of ``d2lite.train_lm_epoch``: masked loss, gradient clipping.
    """
    d2lite = import_d2lite()
    import mxnet as mx
    from mxnet import autograd, gluon, init, np, npx
    npx.set_np()
    mx.random.seed(seed)
    spec = MODELS[name]
    batch_size = batch_size or spec["batch_size"]
    net = build(name)
    net.initialize(init.Normal(0.01) if spec["init"] == "normal" else init.Xavier())
    if hybridize == "plain":
        net.hybridize()
    elif hybridize == "static":
        net.hybridize(static_alloc=True, static_shape=True)
    elif hybridize != "none":
        raise ValueError(f"hybridize must be 'none', 'plain' or 'static', got {hybridize!r}")
    trainer = gluon.Trainer(net.collect_params(), spec["optimizer"],
                            {"learning_rate": spec["lr"]})

    if name == "gru_lm":
        shape = (batch_size, GRU_LM["num_steps"])
        X = np.random.randint(0, GRU_LM["vocab_size"], size=shape)
        Y = np.random.randint(0, GRU_LM["vocab_size"], size=shape)
        mask = np.ones(shape)

        def step():
            with autograd.record():
                scores, _ = net(X, net.begin_state(batch_size, mx.cpu()))
                loss_sum, count = d2lite.masked_loss(scores, Y, mask)
                loss = loss_sum / count
            loss.backward()
            float(loss_sum)  # the book's loop reads the loss at every step
            d2lite.grad_clipping(net, GRU_LM["clip"])
            trainer.step(1)
            return loss
    else:
        X = np.random.uniform(size=(batch_size, 1, 28, 28))
        y = np.random.randint(0, 10, size=(batch_size,)).astype("int32")
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

        def forward():
            with autograd.record():
                loss = loss_fn(net(X), y)
            loss.wait_to_read()
            return loss

        def forward_backward():
            with autograd.record():
                loss = loss_fn(net(X), y)
            loss.backward()
            npx.waitall()
            return loss

        def step():
            loss = forward_backward()
            trainer.step(batch_size)
            loss.wait_to_read()
            return loss.mean()

        step.phases = (forward, forward_backward)
    return step, npx.waitall


def operator_times(step, steps=30):
    """Milliseconds per step in each MXNet operator, largest first (MXNet's profiler).

    Call with ``MXNET_EXEC_BULK_EXEC_TRAIN=0`` in the environment, or MXNet
    reports groups of operators as one.
    """
    import tempfile

    from mxnet import npx, profiler
    for _ in range(5):
        step()
    npx.waitall()
    with tempfile.TemporaryDirectory() as folder:  # the profiler insists on a trace file
        profiler.set_config(profile_imperative=True, profile_symbolic=True,
                            aggregate_stats=True, filename=os.path.join(folder, "trace.json"))
        profiler.set_state("run")
        for _ in range(steps):
            step()
        npx.waitall()
        profiler.set_state("stop")
        stats = json.loads(profiler.dumps(format="json"))
    ops = stats.get("Time", {}).get("operator", {})
    times = {name: entry["Total"] / steps for name, entry in ops.items()}
    return dict(sorted(times.items(), key=lambda item: -item[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_timing_arguments(parser)
    parser.add_argument("--hybridize", choices=("none", "plain", "static"), default="plain")
    parser.add_argument("--losses", type=int, default=0,
                        help="instead of timing, print the losses of this many steps")
    parser.add_argument("--operators", action="store_true",
                        help="instead of throughput, ms per step in each operator")
    args = parser.parse_args(argv)
    if (args.phases or args.operators) and args.model == "gru_lm":
        parser.error("--phases and --operators are for the image models")
    step, sync = make_step(args.model, batch_size(args), args.hybridize)
    if args.losses:
        print(json.dumps({"losses": [float(step()) for _ in range(args.losses)]}))
        return
    import mxnet as mx
    if args.phases:
        print(json.dumps(phase_times(*step.phases, step, sync, args.windows,
                                     args.window_seconds)))
        return
    if args.operators:
        print(json.dumps(operator_times(step)))
        return
    report("mxnet", mx.__version__, args, step, sync)


if __name__ == "__main__":
    main()
