"""Count-based language models (n-grams) and perplexity: the baselines an RNN must beat.

A sequence is a list of tokens (strings or integers) whose first token is a
start marker (e.g. ``<s5>``): it is given, never predicted. Every later token,
the end marker included, is predicted from the ``n - 1`` tokens before it; at
the start, the history is padded with the start marker.
"""
import math
from collections import Counter, defaultdict


class NGramLM:
    """Common part of the n-gram models: histories, log-likelihood and perplexity.

    Subclasses implement ``_fit(events)`` and ``prob(token, history, tag)``.
    ``vocab_size`` is the number of tokens the model can predict (the same
    number an RNN's output layer has, so that both spread probability over
    the same set).
    """

    def __init__(self, n, vocab_size):
        if n < 1:
            raise ValueError(f"an n-gram model needs n >= 1, got n={n}")
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be at least 1, got {vocab_size}")
        self.n, self.vocab_size = n, vocab_size

    def tags(self, seq):
        """Extra context for each predicted token, kept at every order.

        None here (empty tuples); see :class:`PositionKneserNey`.
        """
        return [()] * (len(seq) - 1)

    def events(self, seq):
        """Yield ``(tag, history, token)`` for every predicted token of ``seq``."""
        if len(seq) < 2:
            raise ValueError(f"a sequence needs a start marker and at least one token, "
                             f"got {seq!r}")
        # the history of the first tokens is padded with copies of the start
        # marker, so "<s5> <s5> 床" simply means "床 at the start of a poem"
        padded = [seq[0]] * (self.n - 1) + list(seq)
        for i, tag in enumerate(self.tags(seq), start=1):
            j = i + self.n - 1  # index of seq[i] in padded
            yield tag, tuple(padded[j - self.n + 1:j]), seq[i]

    def fit(self, sequences):
        """Count the n-grams of ``sequences``; return the model itself."""
        self._fit([e for seq in sequences for e in self.events(seq)])
        return self

    def log_likelihood(self, sequences):
        """(sum of natural-log probabilities, number of predicted tokens)."""
        total, count = 0.0, 0
        for seq in sequences:
            for tag, history, token in self.events(seq):
                p = self.prob(token, history, tag)
                if not p > 0:
                    raise ValueError(f"probability {p} for {token!r} after {history!r}")
                total += math.log(p)
                count += 1
        return total, count

    def perplexity(self, sequences):
        """Per-token perplexity ``exp(-mean log p)`` over the predicted tokens."""
        total, count = self.log_likelihood(sequences)
        if count == 0:
            raise ValueError("perplexity needs at least one sequence")
        return math.exp(-total / count)


class AddK(NGramLM):
    """Add-k smoothing: ``P(w | h) = (c(h, w) + k) / (c(h) + k V)``.

    ``k = 1`` is Laplace smoothing; smaller ``k`` give less mass to unseen
    n-grams. No backing off to shorter histories.
    """

    smoothing = "k"

    def __init__(self, n, vocab_size, k=1.0):
        super().__init__(n, vocab_size)
        if not k > 0:
            raise ValueError(f"k must be positive, got {k}")
        self.k = k

    def _fit(self, events):
        self.counts = defaultdict(Counter)
        for tag, history, token in events:
            self.counts[history][token] += 1
        self.totals = {h: sum(c.values()) for h, c in self.counts.items()}

    def prob(self, token, history, tag=()):
        c = self.counts.get(history)
        seen = c[token] if c is not None else 0
        return (seen + self.k) / (self.totals.get(history, 0) + self.k * self.vocab_size)


class KneserNey(NGramLM):
    """Interpolated Kneser-Ney smoothing with one absolute discount ``d``.

    .. math:: P_m(w \\mid h) = \\frac{\\max(c(h, w) - d, 0)}{c(h)}
              + \\frac{d \\, N_{1+}(h \\bullet)}{c(h)} P_{m-1}(w \\mid h')

    where ``h'`` drops the oldest token of ``h``. The highest order counts
    n-grams; the lower orders count *continuations* (in how many different
    contexts ``h' w`` appeared), and the lowest order is interpolated with
    the uniform distribution over ``vocab_size`` tokens, so no token gets
    probability zero. A history never seen passes all its mass down.
    """

    smoothing = "d"

    def __init__(self, n, vocab_size, d=0.75):
        super().__init__(n, vocab_size)
        if not 0 < d < 1:
            raise ValueError(f"the discount d must lie in (0, 1), got {d}")
        self.d = d

    def _fit(self, events):
        n = self.n
        # tables[m][(tag, h)] = Counter of next tokens, h of length m - 1
        tables = {m: defaultdict(Counter) for m in range(1, n + 1)}
        grams = set()
        for tag, history, token in events:
            tables[n][tag, history][token] += 1
            grams.add((tag, history, token))
        for m in range(n - 1, 0, -1):  # continuation counts from the distinct (m+1)-grams
            lower = set()
            for tag, history, token in grams:
                short = history[1:]
                tables[m][tag, short][token] += 1
                lower.add((tag, short, token))
            grams = lower
        self.tables = {m: {key: (c, sum(c.values()), len(c)) for key, c in t.items()}
                       for m, t in tables.items()}

    def prob(self, token, history, tag=()):
        p = 1.0 / self.vocab_size
        for m in range(1, self.n + 1):
            h = history[len(history) - (m - 1):] if m > 1 else ()
            entry = self.tables[m].get((tag, h))
            if entry is None:
                continue  # unseen history: keep the lower order's estimate
            counts, total, types = entry
            p = (max(counts[token] - self.d, 0)
                 + self.d * types * p) / total
        return p


class PositionKneserNey(KneserNey):
    """Kneser-Ney that also knows where it is in the poem.

    Every context carries a tag ``(start marker, line, position in the
    line)`` that is never dropped when backing off, so the model learns,
    e.g., that the sixth token of a 5-character line is punctuation. Lines
    end at the tokens in ``punctuation``.
    """

    def __init__(self, n, vocab_size, d=0.75, punctuation=("，", "。", "？", "！", "；")):
        super().__init__(n, vocab_size, d)
        self.punctuation = frozenset(punctuation)

    def tags(self, seq):
        tags, line, pos = [], 0, 0
        for token in seq[1:]:
            tags.append((seq[0], line, pos))
            if token in self.punctuation:
                line, pos = line + 1, 0
            else:
                pos += 1
        return tags


def best_ngram(model_class, train, dev, vocab_size, orders=(2, 3, 4), values=(0.7, 0.8, 0.9)):
    """Fit ``model_class`` for each order and smoothing value; keep the best on ``dev``.

    The smoothing value is ``k`` for :class:`AddK` and ``d`` for the
    Kneser-Ney models. Counting is done once per order (the smoothing
    value only matters when predicting). Returns ``(model, table)``: the
    model with the lowest dev perplexity, set to its best value, and
    ``table[(n, value)]`` = dev perplexity.
    """
    best, table = None, {}
    for n in orders:
        model = model_class(n, vocab_size, values[0]).fit(train)
        scores = {}
        for value in values:
            setattr(model, model.smoothing, value)
            scores[value] = table[n, value] = model.perplexity(dev)
        value = min(scores, key=scores.get)
        setattr(model, model.smoothing, value)
        if best is None or scores[value] < best[1]:
            best = (model, scores[value])
    return best[0], table


#: The discounts :func:`best_kneser_ney` tries; the best one on the poems' dev
#: split lies inside the grid, not at an end (the notebooks check it).
DISCOUNTS = (0.7, 0.8, 0.9, 0.95)


def best_kneser_ney(train, dev, vocab_size, position=False):
    """The chapter's Kneser-Ney baseline, order and discount chosen on ``dev``.

    Plain :class:`KneserNey` of order 2, 3 or 4, or (``position=True``)
    :class:`PositionKneserNey` of order 2 or 3, each with the discounts
    :data:`DISCOUNTS`. Returns ``(model, table)`` as :func:`best_ngram`.
    """
    if position:
        return best_ngram(PositionKneserNey, train, dev, vocab_size, (2, 3), DISCOUNTS)
    return best_ngram(KneserNey, train, dev, vocab_size, (2, 3, 4), DISCOUNTS)
