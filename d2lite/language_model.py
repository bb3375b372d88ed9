"""Training and evaluating a language model: masked cross-entropy, clipping, perplexity.

A batch is ``(X, Y, mask)``: ``X`` (batch, steps) holds the input tokens,
``Y`` the tokens to predict (``X`` shifted by one) and ``mask`` is 1 where
``Y`` holds a real token and 0 on padding. The loss is the mean
cross-entropy over the real tokens; the perplexity is its exponential.
"""
import hashlib
import math

from mxnet import autograd, gluon, init, np, npx

from .device import try_gpu
from .models.rnn import RNNLM
from .plot import Animator
from .training import check_finite
from .utils import Accumulator, Timer, set_seed, train_or_load


def _to(a, device, dtype=None):
    a = a if isinstance(a, np.ndarray) else np.array(a)
    a = a.as_in_ctx(device)
    return a.astype(dtype) if dtype is not None else a


def _state(net, batch_size, device):
    if isinstance(net, gluon.Block):
        return net.begin_state(batch_size, device)
    return net.begin_state(batch_size)


def _grads(net):
    """The gradient arrays of a Gluon model or of a scratch model's ``params``."""
    if isinstance(net, gluon.Block):
        return [p.list_grad()[0] for p in net.collect_params().values()
                if p.grad_req != "null"]
    return [p.grad for p in net.params]


def masked_loss(scores, Y, mask):
    """(summed cross-entropy over the real tokens, number of real tokens), both MXNet scalars.

    ``scores`` (batch, steps, vocab), ``Y`` and ``mask`` (batch, steps).
    """
    logp = npx.log_softmax(scores, axis=-1)
    nll = -npx.pick(logp, Y, axis=-1)
    return (nll * mask).sum(), mask.sum()


def grad_clipping(net, theta):
    """Rescale all gradients together so that their global norm is at most
    ``theta``.

    Returns the norm before clipping, a Python float (it waits for the
    backward pass). ``net`` is a Gluon model or a scratch model with
    ``params``.
    """
    grads = _grads(net)
    norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
    if theta is not None and norm > theta:
        for g in grads:
            g[:] *= theta / norm
    return norm


def evaluate_perplexity(net, data_iter, device=None):
    """Per-token perplexity of ``net`` on ``data_iter`` (dropout off)."""
    device = device or try_gpu()
    metric = Accumulator(2)  # summed loss, tokens
    for X, Y, mask in data_iter:
        X, Y, mask = _to(X, device), _to(Y, device), _to(mask, device, "float32")
        scores, _ = net(X, _state(net, X.shape[0], device))
        loss, count = masked_loss(scores, Y, mask)
        metric.add(float(loss), float(count))
    if metric[1] == 0:
        raise ValueError("no tokens to evaluate on: data_iter is empty")
    return math.exp(metric[0] / metric[1])


def train_lm_epoch(net, train_iter, updater, clip=1.0, device=None, epoch=1, on_step=None):
    """One pass over ``train_iter``; return (perplexity, tokens per second, gradient norms).

    ``updater`` is a ``gluon.Trainer`` or a function ``updater()`` that
    updates the parameters from their gradients (of the mean loss per
    token). Gradients are clipped to global norm ``clip`` first (``None``:
    no clipping); the norms before clipping are returned, one per step.
    ``on_step(i, loss, norm)`` is called after each step ``i`` (0-based) with
    its mean loss per token and gradient norm. Stops with
    :class:`~d2lite.NaNLossError` at the first step whose loss is not
    finite, before it updates the parameters.
    """
    device = device or try_gpu()
    metric, timer, norms = Accumulator(2), Timer(), []
    for i, (X, Y, mask) in enumerate(train_iter):
        X, Y, mask = _to(X, device), _to(Y, device), _to(mask, device, "float32")
        with autograd.record():
            scores, _ = net(X, _state(net, X.shape[0], device))
            loss_sum, count = masked_loss(scores, Y, mask)
            loss = loss_sum / count
        loss.backward()
        loss_sum, count = float(loss_sum), float(count)
        check_finite(loss_sum, epoch, i + 1)
        norms.append(grad_clipping(net, clip))
        if isinstance(updater, gluon.Trainer):
            updater.step(1)
        else:
            updater()
        metric.add(loss_sum, count)
        if on_step is not None:
            on_step(i, loss_sum / count, norms[-1])
    if metric[1] == 0:
        raise ValueError("train_lm_epoch got no tokens: train_iter is empty")
    return math.exp(metric[0] / metric[1]), metric[1] / timer.stop(), norms


def train_lm(net, train_iter, dev_iter, num_epochs, updater, clip=1.0, device=None,
             animate=True, verbose=True):
    """Train a language model for ``num_epochs``; return its history.

    Prints one line per epoch (``verbose``) and draws the train and dev
    perplexities (``animate``). Returns a dict of lists per epoch:
    ``train_ppl``, ``dev_ppl``, ``tokens_per_s`` and ``seconds``
    (cumulative training time), plus ``grad_norms`` (every step).
    """
    device = device or try_gpu()
    history = {"train_ppl": [], "dev_ppl": [], "tokens_per_s": [], "seconds": [],
               "grad_norms": []}
    animator = Animator(xlabel="epoch", ylabel="perplexity", xlim=[1, num_epochs],
                        legend=["train", "dev"]) if animate else None
    total = 0.0
    for epoch in range(1, num_epochs + 1):
        timer = Timer()
        train_ppl, speed, norms = train_lm_epoch(net, train_iter, updater, clip, device,
                                                 epoch)
        total += timer.stop()
        dev_ppl = evaluate_perplexity(net, dev_iter, device)
        for key, value in zip(history, (train_ppl, dev_ppl, speed, total)):
            history[key].append(value)
        history["grad_norms"].extend(norms)
        if animator is not None:
            animator.add(epoch, (train_ppl, dev_ppl))
        if verbose:
            print(f"epoch {epoch}: train ppl {train_ppl:.1f}, dev ppl {dev_ppl:.1f}, "
                  f"{speed:,.0f} tokens/s, {total:.0f} s")
    return history


def train_poem_lm(train_seqs, dev_seqs, vocab, cell="gru", seed=0, embed_size=128,
                  num_hiddens=256, dropout=0.2, batch_size=32, lr=0.005, clip=1.0,
                  num_epochs=3, reuse=False, device=None, verbose=True, animate=True):
    """Train (or, with ``reuse=True``, load if cached) the book's poem language model.

    ``train_seqs`` and ``dev_seqs`` are token lists (``tokenize_poem``);
    an :class:`~d2lite.RNNLM` with this set-up is trained with Adam and
    gradient clipping, seeded by ``seed``, and its parameters are saved in
    the user cache under a name derived from the whole set-up (data size
    and the vocabulary's tokens included), so another notebook can load the same model
    instead of training it again. Returns ``(net, history)``; ``history``
    is None when the model was loaded.
    """
    from .text import PoemBatches
    device = device or try_gpu()
    config = dict(cell=cell, embed_size=embed_size, num_hiddens=num_hiddens,
                  dropout=dropout, batch_size=batch_size, lr=lr, clip=clip,
                  num_epochs=num_epochs, vocab=len(vocab), train=len(train_seqs),
                  train_tokens=sum(map(len, train_seqs)), dev=len(dev_seqs),
                  # the tokens themselves: another vocabulary never loads a stale model
                  vocab_digest=hashlib.sha256(
                      "\n".join(vocab.idx_to_token).encode()).hexdigest()[:16])
    set_seed(seed)
    net = RNNLM(len(vocab), embed_size, num_hiddens, cell, dropout=dropout)
    net.initialize(init.Xavier(), ctx=device)
    net.hybridize()

    def train_now():
        train_iter = PoemBatches(train_seqs, vocab, batch_size, shuffle=True, seed=seed,
                                 ctx=device)
        dev_iter = PoemBatches(dev_seqs, vocab, 256, shuffle=False, ctx=device)
        trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr})
        return train_lm(net, train_iter, dev_iter, num_epochs, trainer, clip, device,
                        animate=animate, verbose=verbose)

    history = train_or_load(net, f"poem-lm-{cell}", {**config, "seed": seed}, train_now,
                            reuse, device)
    return net, history
