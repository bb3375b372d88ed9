"""Recurrent language models: an RNN from scratch, then Gluon's GRU and LSTM layers.

Both read a batch of token indices ``X`` of shape ``(batch, steps)`` and
return scores ``(batch, steps, vocab)`` for the next token at every step,
together with the hidden state after the last step.
"""
from mxnet import gluon, np, npx
from mxnet.gluon import nn, rnn

from ..device import try_gpu


def init_rnn_params(vocab_size, num_hiddens, device=None, scale=0.01):
    """Parameters of a one-layer RNN language model, with gradients attached.

    ``W_xh`` (vocab x hidden): one row per input token (the row a one-hot
    input selects); ``W_hh`` (hidden x hidden); ``b_h``; ``W_hq`` (hidden x
    vocab) and ``b_q`` for the output scores. Weights are drawn from
    N(0, scale^2), biases start at zero.
    """
    device = device or try_gpu()
    shapes = [(vocab_size, num_hiddens), (num_hiddens, num_hiddens), (num_hiddens,),
              (num_hiddens, vocab_size), (vocab_size,)]
    params = [np.random.normal(0, scale, size=s, ctx=device) if len(s) == 2
              else np.zeros(s, ctx=device) for s in shapes]
    for p in params:
        p.attach_grad()
    return params


def rnn_forward(X, H, params):
    """Run the RNN over ``X`` (batch, steps) of token indices from state
    ``H`` (batch, hidden).

    At each step ``t``:
    :math:`H_t = \\tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h)` with ``X_t``
    the one-hot rows of the tokens, and the scores are
    :math:`O_t = H_t W_{hq} + b_q`. Returns ``(scores (batch, steps, vocab),
    H after the last step)``.
    """
    W_xh, W_hh, b_h, W_hq, b_q = params
    outputs = []
    for t in range(X.shape[1]):
        X_t = npx.one_hot(X[:, t], W_xh.shape[0])  # (batch, vocab)
        H = np.tanh(np.dot(X_t, W_xh) + np.dot(H, W_hh) + b_h)
        outputs.append(H)
    states = np.stack(outputs, axis=1)  # (batch, steps, hidden)
    return np.dot(states, W_hq) + b_q, H


class RNNScratch:
    """The from-scratch RNN language model: ``net(X, H) -> (scores, H)``."""

    def __init__(self, vocab_size, num_hiddens, device=None, scale=0.01):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.device = device or try_gpu()
        self.params = init_rnn_params(vocab_size, num_hiddens, self.device, scale)

    def begin_state(self, batch_size):
        """The hidden state before the first token: zeros (batch, hidden)."""
        return np.zeros((batch_size, self.num_hiddens), ctx=self.device)

    def __call__(self, X, state=None):
        if state is None:
            state = self.begin_state(X.shape[0])
        return rnn_forward(X, state, self.params)

    def parameters(self):
        """The parameter arrays, in the order of :func:`init_rnn_params`."""
        return self.params


class RNNLM(nn.HybridBlock):
    """Embedding, a recurrent layer (``"rnn"``, ``"gru"`` or ``"lstm"``),
    dropout, output scores.

    ``net(X, state)`` with ``X`` of shape (batch, steps) and a state from
    :meth:`begin_state` (or a previous call) returns ``(scores (batch,
    steps, vocab), state)``; the state is a list (one array for RNN and GRU,
    two for LSTM).
    """

    def __init__(self, vocab_size, embed_size=256, num_hiddens=512,
                 cell="gru", num_layers=1, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        layers = {"rnn": rnn.RNN, "gru": rnn.GRU, "lstm": rnn.LSTM}
        if cell not in layers:
            raise ValueError(
                f"cell must be one of {sorted(layers)}, got {cell!r}")
        self.vocab_size, self.cell = vocab_size, cell
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = layers[cell](num_hiddens, num_layers, layout="NTC",
                                dropout=dropout if num_layers > 1 else 0)
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Dense(vocab_size, flatten=False)

    def begin_state(self, batch_size, device=None):
        """The zero state for a batch of ``batch_size`` sequences."""
        return self.rnn.begin_state(batch_size=batch_size,
                                    ctx=device or try_gpu())

    def hybrid_forward(self, F, X, state):
        out, state = self.rnn(self.dropout(self.embedding(X)), state)
        return self.dense(self.dropout(out)), state
