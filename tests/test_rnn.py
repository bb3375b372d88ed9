"""The scratch RNN, the Gluon language model and the language-model training loop."""
import math

import numpy as onp
import pytest
from mxnet import autograd, gluon, np

import d2lite
from d2lite.language_model import (
    evaluate_perplexity, grad_clipping, masked_loss, train_lm, train_lm_epoch,
)


def test_rnn_forward_matches_a_numpy_loop():
    d2lite.set_seed(0)
    params = d2lite.init_rnn_params(7, 5, d2lite.cpu(), scale=0.5)
    X = np.array([[1, 2, 3], [4, 5, 6]], dtype="int32")
    H0 = np.ones((2, 5)) * 0.1
    scores, H = d2lite.rnn_forward(X, H0, params)
    W_xh, W_hh, b_h, W_hq, b_q = [p.asnumpy() for p in params]
    h, outs = H0.asnumpy(), []
    for t in range(3):
        one_hot = onp.eye(7)[X.asnumpy()[:, t]]
        h = onp.tanh(one_hot @ W_xh + h @ W_hh + b_h)
        outs.append(h @ W_hq + b_q)
    assert scores.shape == (2, 3, 7) and H.shape == (2, 5)
    onp.testing.assert_allclose(scores.asnumpy(), onp.stack(outs, 1), rtol=1e-5, atol=1e-6)
    onp.testing.assert_allclose(H.asnumpy(), h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_gluon_model_carries_its_state(cell):
    d2lite.set_seed(0)
    net = d2lite.RNNLM(11, 6, 8, cell, dropout=0.5)
    net.initialize()
    net.hybridize()
    X = np.array(onp.random.RandomState(0).randint(0, 11, (3, 6)), dtype="int32")
    scores, state = net(X, net.begin_state(3, d2lite.cpu()))
    assert scores.shape == (3, 6, 11) and len(state) == (2 if cell == "lstm" else 1)
    first, state1 = net(X[:, :4], net.begin_state(3, d2lite.cpu()))
    second, _ = net(X[:, 4:], state1)   # prediction mode: dropout off, so it must match
    onp.testing.assert_allclose(np.concatenate([first, second], axis=1).asnumpy(),
                                scores.asnumpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        d2lite.RNNLM(11, cell="transformer")


def test_scratch_model_carries_its_state():
    d2lite.set_seed(0)
    net = d2lite.RNNScratch(9, 4, d2lite.cpu(), scale=0.3)
    X = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype="int32")
    scores, H = net(X)
    first, H1 = net(X[:, :2], net.begin_state(2))
    second, H2 = net(X[:, 2:], H1)
    onp.testing.assert_allclose(np.concatenate([first, second], axis=1).asnumpy(),
                                scores.asnumpy(), rtol=1e-5)
    onp.testing.assert_allclose(H2.asnumpy(), H.asnumpy(), rtol=1e-5)


def test_masked_loss_ignores_padding():
    scores = np.array(onp.random.RandomState(0).normal(size=(2, 3, 5)))
    Y = np.array([[1, 2, 0], [3, 0, 0]], dtype="int32")
    mask = np.array([[1, 1, 0], [1, 0, 0]], dtype="float32")
    total, count = masked_loss(scores, Y, mask)
    s = scores.asnumpy()
    logp = s - onp.log(onp.exp(s).sum(-1, keepdims=True))
    expected = -(logp[0, 0, 1] + logp[0, 1, 2] + logp[1, 0, 3])
    assert float(count) == 3 and float(total) == pytest.approx(expected, rel=1e-5)
    s[0, 2] += 100.0  # changing a padded position's scores changes nothing
    assert float(masked_loss(np.array(s), Y, mask)[0]) == pytest.approx(expected, rel=1e-5)


def test_grad_clipping_rescales_to_the_threshold():
    net = d2lite.RNNScratch(4, 3, d2lite.cpu())
    for p in net.params:
        p.grad[:] = 0
    net.params[0].grad[0, 0] = 3.0
    net.params[4].grad[0] = 4.0
    assert grad_clipping(net, 10.0) == pytest.approx(5.0)         # below: unchanged
    assert float(net.params[0].grad[0, 0]) == pytest.approx(3.0)
    assert grad_clipping(net, 1.0) == pytest.approx(5.0)          # norm before clipping
    assert float(net.params[0].grad[0, 0]) == pytest.approx(0.6)
    assert float(net.params[4].grad[0]) == pytest.approx(0.8)
    assert grad_clipping(net, None) == pytest.approx(1.0)         # only measures


def test_uniform_model_has_perplexity_equal_to_vocab_size():
    net = d2lite.RNNLM(13, 4, 5, "gru", dropout=0.0)
    net.initialize()
    net.dense.weight.set_data(np.zeros((13, 5)))
    net.dense.bias.set_data(np.zeros(13))
    batches = [(onp.ones((2, 4), "int32"), onp.zeros((2, 4), "int32"),
                onp.array([[1, 1, 1, 0], [1, 0, 0, 0]], "float32"))]
    assert evaluate_perplexity(net, batches, d2lite.cpu()) == pytest.approx(13.0, rel=1e-5)
    with pytest.raises(ValueError):
        evaluate_perplexity(net, [], d2lite.cpu())


def cyclic_batches(vocab_size=6, n=8, steps=10):
    """Sequences 0, 1, 2, ... (mod vocab_size) from random starts: a perfectly predictable text."""
    rng = onp.random.RandomState(0)
    seqs = (rng.randint(0, vocab_size, (n, 1)) + onp.arange(steps + 1)) % vocab_size
    return [(seqs[:, :-1], seqs[:, 1:], onp.ones((n, steps), "float32"))]


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_train_lm_learns_a_predictable_text(cell):
    d2lite.set_seed(0)
    net = d2lite.RNNLM(6, 8, 16, cell, dropout=0.0)
    net.initialize()
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.05})
    data = cyclic_batches() * 20
    before = evaluate_perplexity(net, cyclic_batches(), d2lite.cpu())
    history = train_lm(net, data, cyclic_batches(), 5, trainer, clip=1.0, device=d2lite.cpu(),
                       animate=False, verbose=False)
    assert history["dev_ppl"][-1] < 1.1 < 5.0 < before           # about 6 at the start
    assert history["train_ppl"][-1] < history["train_ppl"][0]
    assert len(history["grad_norms"]) == 100 and len(history["seconds"]) == 5


def test_scratch_training_and_nan_guard():
    d2lite.set_seed(0)
    net = d2lite.RNNScratch(6, 16, d2lite.cpu(), scale=0.1)

    def sgd():
        for p in net.params:
            p[:] -= 1.0 * p.grad

    steps = []
    ppl, speed, norms = train_lm_epoch(net, cyclic_batches() * 200, sgd, clip=1.0,
                                       device=d2lite.cpu(),
                                       on_step=lambda *args: steps.append(args))
    assert [s[0] for s in steps] == list(range(200)) and [s[2] for s in steps] == norms
    assert math.exp(sum(s[1] for s in steps) / 200) == pytest.approx(ppl, rel=1e-4)
    assert evaluate_perplexity(net, cyclic_batches(), d2lite.cpu()) < 1.5 and speed > 0
    assert len(norms) == 200 and max(norms[-20:]) < max(norms[:20])
    net.params[1][0, 0] = float("nan")
    with pytest.raises(d2lite.NaNLossError, match="step 1"):
        train_lm_epoch(net, cyclic_batches(), sgd, device=d2lite.cpu())


def test_train_poem_lm_saves_and_reuses_the_model(isolated_cache):
    seqs = [["<s5>"] + list("床前明月光，疑是地上霜。") + ["<eos>"],
            ["<s5>"] + list("举头望明月，低头思故乡。") + ["<eos>"]] * 4
    vocab = d2lite.Vocab(seqs, reserved_tokens=d2lite.RESERVED_TOKENS)
    setup = dict(cell="gru", seed=3, embed_size=4, num_hiddens=8, batch_size=4,
                 num_epochs=2, device=d2lite.cpu(), verbose=False, animate=False)
    net, history = d2lite.train_poem_lm(seqs, seqs[:2], vocab, **setup)
    assert history is not None and len(history["dev_ppl"]) == 2
    saved = list((isolated_cache / "models").glob("poem-lm-gru-*.params"))
    assert len(saved) == 1
    again, none = d2lite.train_poem_lm(seqs, seqs[:2], vocab, reuse=True, **setup)
    assert none is None
    for a, b in zip(net.collect_params().values(), again.collect_params().values()):
        onp.testing.assert_array_equal(a.data().asnumpy(), b.data().asnumpy())
    # another set-up is another file, trained afresh; the same set-up repeats exactly
    other, h = d2lite.train_poem_lm(seqs, seqs[:2], vocab, reuse=True,
                                    **{**setup, "seed": 4})
    assert h is not None and len(list((isolated_cache / "models").glob("*.params"))) == 2
    # a vocabulary of the same size with other tokens never loads the saved model
    swapped = d2lite.Vocab([["家" if t == "乡" else t for t in s] for s in seqs],
                           reserved_tokens=d2lite.RESERVED_TOKENS)
    assert len(swapped) == len(vocab) and swapped.idx_to_token != vocab.idx_to_token
    _, h = d2lite.train_poem_lm(seqs, seqs[:2], swapped, reuse=True, **setup)
    assert h is not None and len(list((isolated_cache / "models").glob("*.params"))) == 3
    retrained, _ = d2lite.train_poem_lm(seqs, seqs[:2], vocab, **setup)
    for a, b in zip(net.collect_params().values(), retrained.collect_params().values()):
        onp.testing.assert_allclose(a.data().asnumpy(), b.data().asnumpy(), rtol=1e-5,
                                    atol=1e-6)
