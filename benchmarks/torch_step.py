"""Training-step throughput of the benchmark models in PyTorch (CPU).

The same architectures, initialization, batch and optimizer as
``mxnet_step.py``; run by ``run.py`` in the benchmark environment. Prints one
JSON object.

    .venv-bench/bin/python benchmarks/torch_step.py --model lenet --threads 2
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import add_timing_arguments, report  # noqa: E402

MODELS = ("softmax", "mlp", "lenet")


def build(name):
    """The PyTorch twin of ``mxnet_step.build(name)``, weights drawn from N(0, 0.01^2)."""
    from torch import nn
    if name == "softmax":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    elif name == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    elif name == "lenet":
        net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    else:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    for p in net.parameters():
        nn.init.normal_(p, 0.0, 0.01)
    return net


def make_step(name, batch_size=256, lr=0.1, seed=0):
    """``(step, sync)`` for one SGD training step of model ``name`` on a fixed synthetic batch."""
    import torch
    torch.manual_seed(seed)
    X = torch.rand(batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (batch_size,))
    net = build(name)
    loss = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)

    def step():
        optimizer.zero_grad()
        l = loss(net(X), y)
        l.backward()
        optimizer.step()
        return l

    return step, lambda: None  # the CPU backend runs each operation before returning


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_timing_arguments(parser, MODELS)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    step, sync = make_step(args.model, args.batch_size)
    report("pytorch", torch.__version__, args, step, sync)


if __name__ == "__main__":
    main()
