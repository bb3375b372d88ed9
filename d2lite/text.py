"""Text for language models: a vocabulary, poems as tokens, splits and minibatches.

A poem of the regular forms becomes one sequence of tokens: a start marker
that names the line length (``<s5>`` or ``<s7>``), then each line's characters
followed by ``，`` or ``。`` in turn, then ``<eos>``::

    <s5> 床 前 看 月 光 ， 疑 是 地 上 霜 。 ... 乡 。 <eos>
"""
import collections
from typing import NamedTuple

import numpy as onp
from mxnet import np

from .data.poetry import line_end

#: Tokens every poem vocabulary reserves, after ``<unk>`` (index 0).
RESERVED_TOKENS = ("<pad>", "<eos>", "<s5>", "<s7>")


class Vocab:
    """Map tokens to indices and back.

    Index 0 is ``<unk>``, then come ``reserved_tokens`` in their order, then
    every token seen at least ``min_freq`` times, most frequent first (ties in
    code-point order). ``tokens`` is a list of tokens or a list of such lists.

    >>> vocab = Vocab([["a", "b", "a"]], reserved_tokens=["<pad>"])
    >>> vocab["a"], vocab[["b", "z"]], vocab.to_tokens([2, 0])
    (2, [3, 0], ['a', '<unk>'])
    >>> vocab.known(["a", "z"])
    ['a', '<unk>']
    """

    def __init__(self, tokens=(), min_freq=1, reserved_tokens=()):
        tokens = list(tokens)
        if tokens and isinstance(tokens[0], (list, tuple)):
            tokens = [token for line in tokens for token in line]
        self.token_freqs = sorted(collections.Counter(tokens).items(),
                                  key=lambda kv: (-kv[1], kv[0]))
        reserved = list(dict.fromkeys(reserved_tokens))
        if "<unk>" in reserved:
            raise ValueError("<unk> is always index 0: do not list it in reserved_tokens")
        self.idx_to_token = ["<unk>"] + reserved
        seen = set(self.idx_to_token)
        for token, freq in self.token_freqs:
            if freq >= min_freq and token not in seen:
                self.idx_to_token.append(token)
                seen.add(token)
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __contains__(self, token):
        return token in self.token_to_idx

    def __getitem__(self, tokens):
        """The index of a token (0 for an unknown one), or a list of indices for a list."""
        if isinstance(tokens, (list, tuple)):
            return [self[token] for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """The token of an index, or a list of tokens for a list (or 1-d array) of indices."""
        if hasattr(indices, "tolist"):
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[int(i)] for i in indices]
        return self.idx_to_token[int(indices)]

    def known(self, tokens):
        """``tokens`` with every token not in the vocabulary replaced by ``<unk>``."""
        return [token if token in self.token_to_idx else "<unk>" for token in tokens]

    @property
    def unk(self):
        """The index of ``<unk>``: 0."""
        return 0


def form_marker(lines):
    """``"<s5>"`` or ``"<s7>"``: the start marker for lines of 5 or 7 characters."""
    lengths = {len(line) for line in lines}
    if len(lengths) != 1 or not lengths <= {5, 7}:
        raise ValueError(f"a poem to tokenize needs lines of 5 or 7 characters, all alike; "
                         f"got lengths {sorted(len(line) for line in lines)}")
    return f"<s{lengths.pop()}>"


def tokenize_poem(lines, marker=True):
    """A poem's lines -> tokens: the form marker, characters with ，/。,
    ``<eos>``.

    ``lines`` is a sequence of strings of 5 or 7 characters each, or a
    :class:`~d2lite.data.poetry.Poem`; with ``marker=False`` the sequence
    starts without a form marker (for comparison: a model that is not told
    the form).
    """
    lines = getattr(lines, "lines", lines)
    tokens = [form_marker(lines)] if marker else []
    for i, line in enumerate(lines):
        tokens.extend(line)
        tokens.append(line_end(i, len(lines)))
    tokens.append("<eos>")
    return tokens


def split_poems(poems, fractions=(0.8, 0.1, 0.1), seed=0):
    """Shuffle whole poems with ``seed`` and cut them into (train, dev, held-out) lists.

    Every poem lands in exactly one part, so no poem leaks across parts; the
    dev and held-out sizes are rounded down, train takes the rest.
    """
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, "
                         f"not {fractions}")
    poems = list(poems)
    order = onp.random.default_rng(seed).permutation(len(poems))
    n_dev, n_test = int(len(poems) * fractions[1]), int(len(poems) * fractions[2])
    n_train = len(poems) - n_dev - n_test
    parts = (order[:n_train], order[n_train:n_train + n_dev], order[n_train + n_dev:])
    return tuple([poems[i] for i in part] for part in parts)


def pad_poems(sequences, pad):
    """Index sequences -> ``(X, Y, mask)`` NumPy arrays of shape
    (batch, longest - 1).

    ``X`` is each sequence without its last token, ``Y`` the same shifted by
    one (the token to predict at each step), both padded with ``pad``;
    ``mask`` is 1.0 where ``Y`` holds a real token and 0.0 on padding.
    """
    if not sequences or min(len(s) for s in sequences) < 2:
        raise ValueError("pad_poems needs at least one sequence, "
                         "each of 2 tokens or more")
    steps = max(len(s) for s in sequences) - 1
    X = onp.full((len(sequences), steps), pad, dtype=onp.int32)
    Y = onp.full((len(sequences), steps), pad, dtype=onp.int32)
    mask = onp.zeros((len(sequences), steps), dtype=onp.float32)
    for row, seq in enumerate(sequences):
        n = len(seq) - 1
        X[row, :n], Y[row, :n], mask[row, :n] = seq[:-1], seq[1:], 1.0
    return X, Y, mask


class PoemBatches:
    """Minibatches of whole poems for a language model, a fresh order every epoch.

    ``sequences`` are token lists (from :func:`tokenize_poem`) or index lists;
    ``vocab`` turns tokens into indices and gives ``<pad>``. Iterating yields
    ``(X, Y, mask)`` as MXNet arrays of shape (batch, steps), on ``ctx``: see
    :func:`pad_poems`. With ``shuffle``, poems are drawn in a new order each
    epoch from a generator seeded once with ``seed``; without, in their order.
    The last batch may be smaller.

    >>> batches = PoemBatches([tokenize_poem(p.lines) for p in train], vocab, 64)
    >>> for X, Y, mask in batches: ...
    """

    def __init__(self, sequences, vocab, batch_size, shuffle=True, seed=0, ctx=None):
        if "<pad>" not in vocab:
            raise ValueError("the vocabulary has no <pad> token: build it with "
                             "reserved_tokens=RESERVED_TOKENS")
        self.sequences = [vocab[list(s)] if s and isinstance(s[0], str) else list(s)
                          for s in sequences]
        self.pad = vocab["<pad>"]
        self.batch_size, self.shuffle, self.ctx = batch_size, shuffle, ctx
        self._rng = onp.random.default_rng(seed)

    def __len__(self):
        return -(-len(self.sequences) // self.batch_size)

    def __iter__(self):
        n = len(self.sequences)
        order = self._rng.permutation(n) if self.shuffle else onp.arange(n)
        for start in range(0, n, self.batch_size):
            batch = [self.sequences[i] for i in order[start:start + self.batch_size]]
            yield tuple(np.array(a, ctx=self.ctx) for a in pad_poems(batch, self.pad))

    @property
    def num_tokens(self):
        """How many tokens the model predicts in one epoch (every token after the first)."""
        return sum(len(s) - 1 for s in self.sequences)


def load_poem_splits(forms=("quatrain5", "quatrain7"), fractions=(0.8, 0.1, 0.1), seed=0):
    """The Tang poems of the given forms, split by poem: ``(train, dev, held_out)``.

    Each part is a list of :class:`d2lite.data.poetry.Poem`; see
    :func:`d2lite.data.poetry.load_tang_poems` and :func:`split_poems`.
    """
    from .data.poetry import FORMS, load_tang_poems
    unknown = set(forms) - set(FORMS)
    if unknown:
        raise ValueError(f"unknown forms {sorted(unknown)}; the forms are {FORMS}")
    poems, _ = load_tang_poems()
    return split_poems([p for p in poems if p.form in forms], fractions, seed)


class PoemData(NamedTuple):
    """The chapter's data: the poems of each split, their tokens, the vocabulary."""
    train: list
    dev: list
    test: list
    train_seqs: list
    dev_seqs: list
    test_seqs: list
    vocab: Vocab


def load_poem_data(forms=("quatrain5", "quatrain7"), seed=0, min_freq=2):
    """Split the poems (:func:`load_poem_splits`), tokenize them, build the vocabulary.

    The vocabulary comes from the training poems alone, with ``min_freq``
    and :data:`RESERVED_TOKENS`. Returns a :class:`PoemData`, which unpacks as
    ``train, dev, test, train_seqs, dev_seqs, test_seqs, vocab``.
    """
    train, dev, test = load_poem_splits(forms, seed=seed)
    train_seqs, dev_seqs, test_seqs = ([tokenize_poem(p) for p in poems]
                                       for poems in (train, dev, test))
    vocab = Vocab(train_seqs, min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
    return PoemData(train, dev, test, train_seqs, dev_seqs, test_seqs, vocab)
