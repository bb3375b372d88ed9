"""Poem metrics, sampling and constrained decoding, on small poems made here."""
import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import d2lite
from d2lite.poems import (
    PoemForm, decode, is_hanzi, is_well_formed, poem_metrics, repetition, rhyme_class, rhymes,
    sample_from, split_lines, write_poems,
)

JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
# A tiny vocabulary: specials, punctuation, characters of several rhyme classes,
# and one with no rhyme class (𪭢: pypinyin has no reading for it).
CHARS = "床前明月光疑是地上霜举头望低思故乡深度学习东风中花知诗日𪭢"
TOKENS = ["<pad>", "<unk>", "<eos>", "<s5>", "<s7>", "，", "。"] + list(CHARS)


def test_rhyme_classes_of_known_characters():
    assert rhyme_class("光") == rhyme_class("霜") == rhyme_class("乡") == "唐"
    assert rhyme_class("东") == rhyme_class("风") == rhyme_class("明") == "庚"
    assert rhyme_class("知") == rhyme_class("诗") == rhyme_class("日") == "支"  # zhi, shi, ri
    assert rhyme_class("衣") == "齐" and rhyme_class("花") == "麻"
    assert rhyme_class("，") is None and rhyme_class("<unk>") is None
    assert rhyme_class("a") is None


def test_split_lines_and_well_formed():
    assert split_lines(JINGYESI) == ["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"]
    assert is_well_formed(JINGYESI) and is_well_formed(JINGYESI, 5)
    assert not is_well_formed(JINGYESI, 7)
    assert not is_well_formed(JINGYESI[:-1])                     # no final mark
    assert not is_well_formed(JINGYESI[:-1] + "，")              # comma at the end
    assert not is_well_formed(JINGYESI.replace("明月光", "明<unk>光"))
    assert not is_well_formed(JINGYESI.replace("明月光", "明月光光"))  # 6 characters
    assert not is_well_formed(JINGYESI.replace("光", "a"))
    assert not is_well_formed(JINGYESI[:12])                      # two lines
    assert not is_well_formed(JINGYESI + JINGYESI)                # eight lines
    assert is_well_formed(JINGYESI + JINGYESI, 5, num_lines=8)
    seven = "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
    assert is_well_formed(seven) and is_well_formed(seven, 7) and not is_well_formed(seven, 5)


def test_display_width_counts_chinese_characters_twice():
    from d2lite.poems import display_width
    assert display_width("ab") == 2 and display_width(JINGYESI) == 48
    assert display_width("<unk>床") == 7


def test_rhymes_and_repetition():
    assert rhymes(JINGYESI)
    assert not rhymes(JINGYESI.replace("故乡", "故人"))
    assert not rhymes("床前明月光，疑是地上霜。")                 # too short
    regulated = JINGYESI + "深度学习东，低头思故乡。"
    assert rhymes(regulated) and not rhymes(JINGYESI + "深度学习东，低头思故东。")
    # 明, 月 and 头 come back once each: 3 repeats among 20 characters
    assert repetition(JINGYESI) == pytest.approx(3 / 20)
    assert repetition("") == 0.0


def test_poem_metrics_counts_what_it_says():
    bad = JINGYESI.replace("明月光", "明<unk>光")
    no_rhyme = JINGYESI.replace("故乡", "故人")
    train_lines = {"床前明月光", "举头望明月"}
    m = poem_metrics([JINGYESI, bad, no_rhyme, bad], train_lines)
    assert m["well_formed"] == 0.5 and m["unk"] == 0.5
    assert m["rhyme"] == 0.5                          # of the two well-formed poems
    assert m["copy"] == 4 / 8                          # 2 copied lines in each
    assert m["repetition"] == pytest.approx((3 / 20 + 3 / 20) / 2)
    with pytest.raises(ValueError):
        poem_metrics([])


def test_sample_from_respects_mask_temperature_and_probabilities():
    rng = onp.random.RandomState(0)
    scores = onp.log(onp.array([[0.1, 0.2, 0.3, 0.4]] * 20000))
    draws = sample_from(scores, rng=rng)
    onp.testing.assert_allclose(onp.bincount(draws, minlength=4) / 20000,
                                [0.1, 0.2, 0.3, 0.4], atol=0.015)
    allowed = onp.array([True, True, False, False])
    draws = sample_from(scores, allowed, rng=rng)
    assert set(draws) == {0, 1}
    onp.testing.assert_allclose((draws == 1).mean(), 2 / 3, atol=0.015)
    assert (sample_from(scores[:5], temperature=0) == 3).all()
    assert (sample_from(scores[:5], allowed, temperature=0) == 1).all()
    hot = sample_from(scores, temperature=100.0, rng=rng)     # nearly uniform
    onp.testing.assert_allclose(onp.bincount(hot) / 20000, [0.25] * 4, atol=0.015)
    impossible = onp.array([[-onp.inf, onp.nan, 5.0, 1.0]] * 4000)
    draws = sample_from(impossible, allowed, rng=rng)         # all allowed impossible
    assert set(draws) == {0, 1}
    with pytest.raises(ValueError):
        sample_from(scores[:1], onp.zeros(4, bool))


def random_step(vocab_size, seed=0, favour=None):
    """A step function that returns random scores (and counts its calls in the state)."""
    rng = onp.random.RandomState(seed)

    def step(tokens, state):
        scores = rng.normal(0, 3, size=(len(tokens), vocab_size))
        if favour is not None:
            scores[:, favour] += 20
        return scores, state + 1
    return step


def test_constrained_decoding_is_well_formed_and_free_sampling_is_not():
    form = PoemForm(TOKENS, 5)
    unk = TOKENS.index("<unk>")
    step = random_step(len(TOKENS), favour=unk)              # a model that loves <unk>
    poems = decode(step, 0, TOKENS.index("<s5>"), form, 50, rng=onp.random.RandomState(0))
    assert all(is_well_formed(p, 5) and "<unk>" not in p for p in poems)
    free = decode(step, 0, TOKENS.index("<s5>"), form, 50, rng=onp.random.RandomState(0),
                  constrained=False)
    assert all("<unk>" in p for p in free) and not any(is_well_formed(p) for p in free)
    no_unk = decode(step, 0, TOKENS.index("<s5>"), form, 50, rng=onp.random.RandomState(0),
                    constrained=False, banned=["<unk>"])
    assert not any("<unk>" in p for p in no_unk)
    seven = PoemForm(TOKENS, 7)
    poems = decode(random_step(len(TOKENS)), 0, 4, seven, 10, rng=onp.random.RandomState(1))
    assert all(is_well_formed(p, 7) for p in poems) and seven.length == 33


def test_acrostic_and_rhyme_constraints():
    form = PoemForm(TOKENS, 5, heads="深度学习", rhyme=True)
    poems = decode(random_step(len(TOKENS), 1), 0, 3, form, 100,
                   rng=onp.random.RandomState(0))
    assert all(is_well_formed(p, 5) for p in poems)
    assert all("".join(line[0] for line in split_lines(p)) == "深度学习" for p in poems)
    assert all(rhymes(p) for p in poems)
    plain = decode(random_step(len(TOKENS), 1), 0, 3, PoemForm(TOKENS, 5), 100,
                   rng=onp.random.RandomState(0))
    assert sum(map(rhymes, plain)) < 50                       # without the constraint
    assert rhyme_class("𪭢") is None and is_hanzi("𪭢")
    # a model that prefers the classless character everywhere still rhymes
    prefers = [TOKENS.index("𪭢")]
    poems = decode(lambda t, s: (onp.eye(len(TOKENS))[prefers * len(t)] * 50, s), 0, 3,
                   PoemForm(TOKENS, 5, rhyme=True), 5, rng=onp.random.RandomState(0))
    assert all(rhymes(p) and p.count("𪭢") == 18 for p in poems), poems
    with pytest.raises(ValueError, match="rhyme class"):
        PoemForm(["<eos>", "，", "。", "𪭢"], 5, rhyme=True)
    with pytest.raises(ValueError, match="head"):
        PoemForm(TOKENS, 5, heads="深度学")
    with pytest.raises(ValueError, match="not in the vocabulary"):
        PoemForm(TOKENS, 5, heads="深度学X")
    with pytest.raises(ValueError, match="no '。'"):
        PoemForm([t for t in TOKENS if t != "。"], 5)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), chars_per_line=st.sampled_from([5, 7]), num_lines=st.sampled_from([4, 8]),
       temperature=st.sampled_from([0, 0.3, 1.0, 5.0]), use_heads=st.booleans(),
       rhyme=st.booleans())
def test_constrained_decoding_is_well_formed_for_any_scores(
        data, chars_per_line, num_lines, temperature, use_heads, rhyme):
    """Whatever scores a model gives (huge, tiny, infinite, NaN), the poem is well-formed."""
    form_length = num_lines * (chars_per_line + 1) + 1
    scores = data.draw(arrays(onp.float64, (form_length, 2, len(TOKENS)),
                              elements=st.floats(allow_nan=True, allow_infinity=True,
                                                 width=64)))
    heads = data.draw(st.text(alphabet=CHARS, min_size=num_lines, max_size=num_lines)) \
        if use_heads else None
    form = PoemForm(TOKENS, chars_per_line, num_lines, heads=heads, rhyme=rhyme)
    calls = iter(scores)
    poems = decode(lambda tokens, state: (next(calls), state), None, 3, form, 2,
                   temperature, rng=onp.random.RandomState(0))
    for poem in poems:
        assert is_well_formed(poem, chars_per_line, num_lines), poem
        assert all(is_hanzi(c) or c in "，。" for c in poem)
        lines = split_lines(poem)
        if heads:
            assert "".join(line[0] for line in lines) == heads
        if rhyme:
            assert rhymes(poem)


def test_write_poems_with_an_untrained_gru():
    d2lite.set_seed(0)
    net = d2lite.RNNLM(len(TOKENS), 8, 16, "gru", dropout=0.0)
    net.initialize()
    net.hybridize()
    poems = write_poems(net, TOKENS, 7, num_samples=5, heads="深度学习", seed=0,
                        device=d2lite.cpu())
    assert len(poems) == 5 and all(is_well_formed(p, 7) for p in poems)
    assert poems == write_poems(net, TOKENS, 7, num_samples=5, heads="深度学习", seed=0,
                                device=d2lite.cpu())          # seeded: repeatable
