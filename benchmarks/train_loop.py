"""LeNet training throughput: the package's loop and data loader vs. the bare model step.

Run from the repository root: ``python benchmarks/train_loop.py``; ``make
bench`` runs it too. Prints images per second for

- ``loader only``: iterating ``d2lite.load_data_mnist``'s training DataLoader;
- ``d2lite.train_epoch``: the package's loop over that DataLoader;
- ``bare step``: forward, backward and ``Trainer.step`` on batches already in
  memory, with no metrics and no checks (one wait per step, as in any loop
  that reads its loss; without it MXNet queues hundreds of steps and the
  pile of pending arrays slows it down);

and the ratio of the last two (1.0 means the loop costs nothing), then all
of it as one JSON object on the last line. Each
measurement is the best of ``--repeats`` passes over the 60,000 training
images, after one warm-up pass; the passes of the three alternate, so that
a change in the machine's load hits all of them alike. Not a test: the numbers depend on the machine
and on whatever else runs on it.
"""
import argparse
import itertools
import json
import time

import d2lite  # first: it tunes MXNet's CPU threads before MXNet loads
from mxnet import autograd, gluon, init, np, npx

npx.set_np()


def make_lenet(device):
    d2lite.set_seed(0)
    net = d2lite.lenet(batch_norm=True)
    net.initialize(init.Xavier(), ctx=device)
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 1e-3})
    return net, trainer


def best_of(repeats, runs):
    """Seconds of the fastest of ``repeats`` calls of each of ``runs``, after a warm-up call.

    ``runs`` maps names to functions; their calls alternate.
    """
    for run in runs.values():
        run()
    npx.waitall()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            npx.waitall()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None,
                        help="only this many batches per pass (a smoke test)")
    args = parser.parse_args()
    device = d2lite.try_gpu()
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    train_iter, _ = d2lite.load_data_mnist(args.batch_size)

    def batches_of_loader():
        return itertools.islice(train_iter, args.limit)

    def loader_only():
        for X, y in batches_of_loader():
            X.wait_to_read()

    net, trainer = make_lenet(device)

    def package_loop():
        d2lite.train_epoch(net, batches_of_loader(), loss, trainer, device)

    batches = [(X.as_in_ctx(device), y.as_in_ctx(device)) for X, y in batches_of_loader()]
    n = sum(X.shape[0] for X, _ in batches)
    bare_net, bare_trainer = make_lenet(device)

    def bare_step():
        for X, y in batches:
            with autograd.record():
                l = loss(bare_net(X), y)
            l.backward()
            bare_trainer.step(X.shape[0])
            l.wait_to_read()

    runs = {"loader only": loader_only, "d2lite.train_epoch": package_loop,
            "bare step": bare_step}
    rates = {name: n / seconds for name, seconds in best_of(args.repeats, runs).items()}
    print(f"LeNet (batch norm), batch {args.batch_size}, {n} images, on {device}")
    for name, rate in rates.items():
        print(f"{name:20s} {rate:8.0f} images/s")
    ratio = rates["d2lite.train_epoch"] / rates["bare step"]
    print(f"loop / bare step: {ratio:.2f}")
    print(json.dumps({**rates, "ratio": ratio, "batch_size": args.batch_size, "images": n}))


if __name__ == "__main__":
    main()
