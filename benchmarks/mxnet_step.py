"""Training-step throughput of the benchmark models in MXNet Gluon.

Run by ``run.py`` in a fresh process per configuration, because MXNet reads
its settings (engine, OpenMP threads, oneDNN) from the environment once, when
it loads. Prints one JSON object.

    python benchmarks/mxnet_step.py --model lenet --hybridize static
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import add_timing_arguments, report  # noqa: E402

MODELS = ("softmax", "mlp", "lenet")


def build(name):
    """The model ``name``, as the book builds it (weights drawn from N(0, 0.01^2))."""
    from mxnet.gluon import nn
    net = nn.HybridSequential()
    if name == "softmax":
        net.add(nn.Dense(10))
    elif name == "mlp":
        net.add(nn.Dense(256, activation="relu"), nn.Dense(10))
    elif name == "lenet":
        net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(16, kernel_size=5, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"),
                nn.Dense(10))
    else:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    return net


def make_step(name, batch_size=256, hybridize="none", lr=0.1, seed=0):
    """``(step, sync)`` for one SGD training step of model ``name`` on a fixed synthetic batch.

    ``step()`` waits for the step's losses and returns them, as a training loop
    that reads its loss does (without any wait, MXNet would queue hundreds of
    steps, and the pile of pending arrays slows it down).
    """
    import mxnet as mx
    from mxnet import autograd, gluon, init, np, npx
    npx.set_np()
    mx.random.seed(seed)
    X = np.random.uniform(size=(batch_size, 1, 28, 28))
    y = np.random.randint(0, 10, size=(batch_size,)).astype("int32")
    net = build(name)
    net.initialize(init.Normal(0.01))
    if hybridize == "plain":
        net.hybridize()
    elif hybridize == "static":
        net.hybridize(static_alloc=True, static_shape=True)
    elif hybridize != "none":
        raise ValueError(f"hybridize must be 'none', 'plain' or 'static', got {hybridize!r}")
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})

    def step():
        with autograd.record():
            l = loss(net(X), y)
        l.backward()
        trainer.step(batch_size)
        l.wait_to_read()
        return l

    return step, npx.waitall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_timing_arguments(parser, MODELS)
    parser.add_argument("--hybridize", choices=("none", "plain", "static"), default="static")
    parser.add_argument("--losses", type=int, default=0,
                        help="instead of timing, print the losses of this many steps")
    args = parser.parse_args(argv)
    step, sync = make_step(args.model, args.batch_size, args.hybridize)
    if args.losses:
        print(json.dumps({"losses": [float(step().mean()) for _ in range(args.losses)]}))
        return
    import mxnet as mx
    report("mxnet", mx.__version__, args, step, sync)


if __name__ == "__main__":
    main()
