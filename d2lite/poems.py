"""Writing poems with a language model, and measuring them.

Sampling with a temperature; decoding under constraints (the form of a
quatrain, acrostic heads, rhyme), written once in :func:`decode`; and the
metrics the book reports: well-formed, rhyme, verbatim copies, repetition.

A poem is a string such as ``"床前明月光，疑是地上霜。举头望明月，低头思故乡。"``:
lines of Chinese characters, each followed by one punctuation mark.
"""
import functools
import re
import unicodedata

import numpy as onp
from mxnet import np

from .data.poetry import HANZI, LINE_END
from .device import try_gpu

POEM_END = "。？！"  # the punctuation that may end a poem (LINE_END: any line)
COMMA, PERIOD = "，", "。"

# Rhyme classes: modern pinyin finals, tone and medial (i, u, ü) ignored, merged
# into the 14 classes of the modern rhyme table 中华新韵 (2005). Tang poets rhymed
# by Middle Chinese classes; the modern merge agrees with them often, not always.
_RHYME_CLASSES = {
    "麻": "a ia ua", "波": "o e uo", "皆": "ie ve", "开": "ai uai", "微": "ei uei ui",
    "豪": "ao iao", "尤": "ou iou iu", "寒": "an ian uan van", "文": "en in uen un vn",
    "唐": "ang iang uang", "庚": "eng ing ueng ong iong", "齐": "i v er",
    "支": "-i", "姑": "u",
}
_FINAL_TO_CLASS = {f: c for c, finals in _RHYME_CLASSES.items() for f in finals.split()}
_CLASS_NAMES = tuple(_RHYME_CLASSES)


def is_hanzi(token):
    """True for a single Chinese character (not punctuation, not a special token)."""
    return len(token) == 1 and HANZI.fullmatch(token) is not None


@functools.lru_cache(maxsize=None)
def rhyme_class(char):
    """The rhyme class of a character (one of 14, e.g. ``"唐"`` for 光, 霜 and 乡), or None.

    Uses the most common modern reading (``pypinyin``), so a character with
    several readings gets the class of its usual one.
    """
    if not is_hanzi(char):
        return None
    from pypinyin import Style, lazy_pinyin  # imported on first use: it loads a dictionary
    syllable = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    final = lazy_pinyin(char, style=Style.FINALS, strict=True, errors="ignore")
    if not syllable or not final or not syllable[0].isalpha():
        return None
    syllable, final = syllable[0], final[0]
    if final == "i" and re.match(r"^(zh|ch|sh|r|z|c|s)i$", syllable):
        final = "-i"  # the 'i' of zhi, chi, shi, ri, zi, ci, si is another vowel
    if not final:  # syllables such as 'n' or 'm' (interjections)
        return None
    return _FINAL_TO_CLASS.get(final)


def display_width(text):
    """Columns ``text`` takes on a page: 2 for a wide (e.g. Chinese) character, else 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def split_lines(poem):
    """The lines of ``poem`` without their punctuation, e.g. ``["床前明月光", ...]``."""
    return [line for line in re.split(f"[{LINE_END}]", poem) if line]


def is_well_formed(poem, chars_per_line=None, num_lines=4):
    """True if ``poem`` has ``num_lines`` lines of ``chars_per_line`` Chinese characters.

    Each line ends in one punctuation mark, the last in a full stop (or ？/！);
    any other token, ``<unk>`` included, makes the poem ill-formed.
    ``chars_per_line=None`` accepts 5 or 7, the same in every line.
    """
    lengths = [chars_per_line] if chars_per_line else [5, 7]
    for n in lengths:
        line = f"[^{LINE_END}<>]{{{n}}}[{LINE_END}]"
        pattern = f"(?:{line}){{{num_lines - 1}}}[^{LINE_END}<>]{{{n}}}[{POEM_END}]"
        if re.fullmatch(pattern, poem) and all(is_hanzi(c) for c in poem
                                               if c not in LINE_END):
            return True
    return False


def rhymes(poem):
    """True if every even line (2, 4, ...) ends in the rhyme class of line 2's last character."""
    lines = split_lines(poem)
    if len(lines) < 4:
        return False
    target = rhyme_class(lines[1][-1])
    return target is not None and all(rhyme_class(line[-1]) == target
                                      for line in lines[3::2])


def repetition(poem):
    """Share of the characters of ``poem`` that repeat one seen earlier in it."""
    chars = [c for c in poem if is_hanzi(c)]
    return 1 - len(set(chars)) / len(chars) if chars else 0.0


def poem_metrics(poems, train_lines=(), chars_per_line=None):
    """Table row for a list of poems: shares well-formed, with ``<unk>``, rhyming; copy; repetition.

    ``copy`` is the share of lines (of the well-formed poems) found verbatim
    among ``train_lines`` (a set of lines without punctuation); ``rhyme``
    and ``repetition`` are measured on the well-formed poems too.
    """
    if not poems:
        raise ValueError("poem_metrics needs at least one poem")
    good = [p for p in poems if is_well_formed(p, chars_per_line)]
    lines = [line for p in good for line in split_lines(p)]
    train_lines = train_lines if isinstance(train_lines, (set, frozenset)) else set(train_lines)
    return {
        "well_formed": len(good) / len(poems),
        "unk": sum("<unk>" in p for p in poems) / len(poems),
        "rhyme": sum(map(rhymes, good)) / len(good) if good else 0.0,
        "copy": sum(line in train_lines for line in lines) / len(lines) if lines else 0.0,
        "repetition": sum(map(repetition, good)) / len(good) if good else 0.0,
    }


def sample_from(scores, allowed=None, temperature=1.0, rng=None):
    """Draw one index per row of ``scores`` (batch, vocab) from ``softmax(scores / temperature)``.

    Only the indices where ``allowed`` (bool, same shape or (vocab,)) is True
    can be drawn; ``temperature=0`` takes the best allowed one. Scores that
    are NaN or minus infinity count as impossible; a row whose allowed
    scores are all impossible draws uniformly among its allowed indices.
    """
    rng = rng if rng is not None else onp.random
    scores = onp.array(scores, dtype=onp.float64, copy=True)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (batch, vocab), got shape {scores.shape}")
    allowed = onp.ones(scores.shape, bool) if allowed is None else \
        onp.broadcast_to(onp.asarray(allowed, bool), scores.shape)
    if not allowed.any(axis=1).all():
        raise ValueError("a row of scores has no allowed token")
    scores = onp.nan_to_num(scores, nan=-onp.inf, posinf=onp.finfo(onp.float64).max,
                            neginf=-onp.inf)
    scores = onp.where(allowed, scores, -onp.inf)
    out = onp.empty(scores.shape[0], dtype=onp.int64)
    for i, row in enumerate(scores):
        if not onp.isfinite(row.max()):  # every allowed score impossible
            row = onp.where(allowed[i], 0.0, -onp.inf)
        if temperature == 0:
            out[i] = int(row.argmax())
            continue
        with onp.errstate(over="ignore", invalid="ignore"):  # huge scores: -inf, p = 0
            z = (row - row.max()) / temperature  # the best allowed score becomes 0
        p = onp.exp(z)
        p /= p.sum()
        out[i] = rng.choice(len(p), p=p)
    return out


class PoemForm:
    """What token may come at each step of a poem with ``num_lines`` lines of ``chars_per_line``.

    ``idx_to_token`` lists the vocabulary. Characters may be any Chinese
    character of it (never ``<unk>`` or another special token); each line
    ends in ， (odd lines) or 。 (even lines) and the poem in the end token
    ``eos``. ``heads`` (a string of ``num_lines`` characters) fixes the first
    character of every line (an acrostic, 藏头诗); ``rhyme=True`` makes
    line 2 end in a character that has a rhyme class and every later even
    line end in that class.
    """

    def __init__(self, idx_to_token, chars_per_line=5, num_lines=4, heads=None, rhyme=False,
                 eos="<eos>"):
        self.tokens = list(idx_to_token)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        for token in (COMMA, PERIOD, eos):
            if token not in self.index:
                raise ValueError(f"the vocabulary has no {token!r} token")
        if heads is not None:
            if len(heads) != num_lines:
                raise ValueError(f"need {num_lines} head characters, got {heads!r}")
            missing = [h for h in heads if h not in self.index or not is_hanzi(h)]
            if missing:
                raise ValueError(f"head characters not in the vocabulary: {missing}")
        self.chars_per_line, self.num_lines = chars_per_line, num_lines
        self.heads, self.rhyme = heads, rhyme
        self.comma, self.period, self.eos = self.index[COMMA], self.index[PERIOD], \
            self.index[eos]
        self.hanzi = onp.array([is_hanzi(t) for t in self.tokens])
        self.classes = onp.array([_CLASS_NAMES.index(c) if (c := rhyme_class(t)) else -1
                                  for t in self.tokens]) if rhyme else None
        if rhyme and not (self.classes >= 0).any():
            raise ValueError("rhyme=True needs characters with a rhyme class")

    @property
    def length(self):
        """Tokens in a poem: the characters, one punctuation mark per line, the end token."""
        return self.num_lines * (self.chars_per_line + 1) + 1

    def allowed(self, step, generated):
        """Bool mask (batch, vocab) of the tokens allowed at ``step``
        (0-based).

        ``generated`` (batch, step) holds the indices drawn so far.
        """
        batch = generated.shape[0]
        vocab = len(self.tokens)
        mask = onp.zeros((batch, vocab), bool)
        if step == self.length - 1:
            mask[:, self.eos] = True
            return mask
        line, pos = divmod(step, self.chars_per_line + 1)
        if pos == self.chars_per_line:  # the punctuation after a line
            mask[:, self.comma if line % 2 == 0 else self.period] = True
            return mask
        if self.heads is not None and pos == 0:
            mask[:, self.index[self.heads[line]]] = True
            return mask
        mask[:] = self.hanzi
        if self.rhyme and line == 1 and pos == self.chars_per_line - 1:
            # line 2 ends in a character with a rhyme class
            mask[:] = self.classes >= 0
        elif (self.rhyme and line % 2 == 1
              and pos == self.chars_per_line - 1):
            # line 2's last character: step (chars + 1) + chars - 1
            target = self.classes[generated[:, 2 * self.chars_per_line]]
            mask[:] = self.classes[None, :] == target[:, None]
        return mask

    def to_text(self, indices):
        """The poem a row of generated indices spells, without the end token."""
        return "".join(self.tokens[i] for i in indices if i != self.eos)


def decode(step_fn, state, start, form, num_samples=1, temperature=1.0, rng=None,
           constrained=True, max_len=None, banned=()):
    """Generate ``num_samples`` poems at once; return their texts.

    ``step_fn(tokens, state) -> (scores, state)`` gives the next-token
    scores (batch, vocab) after the tokens (batch,) of the previous step;
    ``start`` is the index of the start token (e.g. ``<s5>``) and ``form`` a
    :class:`PoemForm`. With ``constrained=True`` only the tokens the form
    allows can be drawn, so every poem is well-formed whatever the scores;
    with ``constrained=False`` it samples freely until the end token or
    ``max_len`` tokens (default: the form's length plus 8), and special
    tokens appear in the text as they are (e.g. ``<unk>``), except the
    tokens listed in ``banned`` (e.g. ``["<unk>"]``), which are never drawn.
    """
    rng = rng if rng is not None else onp.random
    max_len = form.length if constrained else (max_len or form.length + 8)
    tokens = onp.full(num_samples, start, dtype=onp.int64)
    generated = onp.zeros((num_samples, 0), dtype=onp.int64)
    done = onp.zeros(num_samples, bool)
    free = onp.ones(len(form.tokens), bool)
    free[[form.index[t] for t in banned]] = False
    for step in range(max_len):
        scores, state = step_fn(tokens, state)
        allowed = form.allowed(step, generated) if constrained else free
        tokens = sample_from(scores, allowed, temperature, rng)
        tokens = onp.where(done, form.eos, tokens)
        generated = onp.concatenate([generated, tokens[:, None]], axis=1)
        done |= tokens == form.eos
        if done.all():
            break
    return [form.to_text(row) for row in generated]


def lm_step_fn(net, device=None):
    """``step_fn`` for :func:`decode` from a model ``net(X, state) -> (scores, state)``."""
    device = device or try_gpu()

    def step_fn(tokens, state):
        X = np.array(tokens.reshape(-1, 1), dtype="int32", ctx=device)
        scores, state = net(X, state)
        return scores[:, 0, :].asnumpy(), state

    return step_fn


def write_poems(net, vocab, chars_per_line=5, num_samples=1, temperature=0.8, heads=None,
                rhyme=False, constrained=True, banned=(), seed=None, device=None):
    """Sample quatrains from a trained :class:`~d2lite.RNNLM` (or a scratch RNN).

    ``vocab`` lists the tokens (``vocab.idx_to_token`` or a list) and holds
    the start tokens ``<s5>`` / ``<s7>``; the rest as in :class:`PoemForm`
    and :func:`decode`. ``seed`` seeds the draws (NumPy's generator of its own).
    """
    device = device or try_gpu()
    tokens = list(getattr(vocab, "idx_to_token", vocab))
    form = PoemForm(tokens, chars_per_line, 4, heads=heads, rhyme=rhyme)
    start = form.index[f"<s{chars_per_line}>"]
    state = net.begin_state(num_samples, device) if hasattr(net, "collect_params") \
        else net.begin_state(num_samples)
    rng = onp.random.RandomState(seed) if seed is not None else None
    return decode(lm_step_fn(net, device), state, start, form, num_samples, temperature,
                  rng, constrained, banned=banned)
