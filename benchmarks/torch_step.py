"""Training-step throughput of the benchmark models in PyTorch (CPU).

The same architectures, initialization, batches and optimizers as
``mxnet_step.py`` (see ``MODELS`` in ``timing.py``); run by ``run.py`` in the
benchmark environment. Prints one JSON object.

    .venv-bench/bin/python benchmarks/torch_step.py --model lenet --threads 2
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import (  # noqa: E402
    GRU_LM, MODELS, add_timing_arguments, batch_size, phase_times, report,
)


def build(name):
    """The PyTorch twin of ``mxnet_step.build(name)``, initialized as in ``MODELS``."""
    from torch import nn

    class GRULanguageModel(nn.Module):
        """``d2lite.RNNLM`` with a GRU: embedding, dropout, GRU, dropout, output scores."""

        def __init__(self, vocab_size, embed_size, num_hiddens, dropout, **_):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = nn.GRU(embed_size, num_hiddens, batch_first=True)
            self.dropout = nn.Dropout(dropout)
            self.dense = nn.Linear(num_hiddens, vocab_size)

        def forward(self, X):
            out, _ = self.rnn(self.dropout(self.embedding(X)))
            return self.dense(self.dropout(out))

    if name == "softmax":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    elif name == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    elif name == "lenet":  # d2lite.lenet()
        net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    elif name == "fashion_cnn":  # d2lite.fashion_cnn()
        net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(3136, 256, bias=False),
            nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))
    elif name == "gru_lm":
        net = GRULanguageModel(**GRU_LM)
    else:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    for param_name, p in net.named_parameters():
        if MODELS[name]["init"] == "normal":
            nn.init.normal_(p, 0.0, 0.01)
        elif "bias" in param_name:
            nn.init.zeros_(p)
        elif p.dim() > 1:  # weights; batch norm keeps its scale of 1
            nn.init.xavier_uniform_(p)
    return net


def make_step(name, batch_size=None, seed=0):
    """``(step, sync)`` for one training step of model ``name`` on a fixed synthetic batch."""
    import torch
    torch.manual_seed(seed)
    spec = MODELS[name]
    batch_size = batch_size or spec["batch_size"]
    net = build(name)
    net.train()
    optimizer_class = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[spec["optimizer"]]
    optimizer = optimizer_class(net.parameters(), lr=spec["lr"])

    if name == "gru_lm":
        shape = (batch_size, GRU_LM["num_steps"])
        X = torch.randint(0, GRU_LM["vocab_size"], shape)
        Y = torch.randint(0, GRU_LM["vocab_size"], shape)
        mask = torch.ones(shape)

        def step():
            optimizer.zero_grad()
            scores = net(X)
            nll = torch.nn.functional.cross_entropy(
                scores.reshape(-1, GRU_LM["vocab_size"]), Y.reshape(-1), reduction="none")
            loss_sum, count = (nll * mask.reshape(-1)).sum(), mask.sum()
            loss = loss_sum / count
            loss.backward()
            loss_sum.item()  # read the loss at every step, as the book's loop does
            torch.nn.utils.clip_grad_norm_(net.parameters(), GRU_LM["clip"])
            optimizer.step()
            return loss
    else:
        X = torch.rand(batch_size, 1, 28, 28)
        y = torch.randint(0, 10, (batch_size,))
        loss_fn = torch.nn.CrossEntropyLoss()

        def forward():
            return loss_fn(net(X), y)

        def forward_backward():
            optimizer.zero_grad()
            loss = forward()
            loss.backward()
            return loss

        def step():
            loss = forward_backward()
            optimizer.step()
            return loss

        step.phases = (forward, forward_backward)

    return step, lambda: None  # the CPU backend runs each operation before returning


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_timing_arguments(parser)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.phases and args.model == "gru_lm":
        parser.error("--phases is for the image models")
    import torch
    torch.set_num_threads(args.threads)
    step, sync = make_step(args.model, batch_size(args))
    if args.phases:
        print(json.dumps(phase_times(*step.phases, step, sync, args.windows,
                                     args.window_seconds)))
        return
    report("pytorch", torch.__version__, args, step, sync)


if __name__ == "__main__":
    main()
