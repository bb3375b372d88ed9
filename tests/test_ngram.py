"""n-gram language models: probabilities that sum to one, hand-computed values, perplexity."""
import math

import pytest

from d2lite.ngram import DISCOUNTS, AddK, KneserNey, PositionKneserNey, best_kneser_ney, best_ngram

CORPUS = [["<s>", "a", "b", "a", "</s>"], ["<s>", "a", "b", "b", "</s>"],
          ["<s>", "b", "a", "</s>"]]
VOCAB = ["a", "b", "c", "</s>"]  # 'c' is never seen


@pytest.mark.parametrize("model", [
    AddK(1, 4, k=0.5), AddK(2, 4, k=1.0), AddK(3, 4, k=0.1),
    KneserNey(2, 4, d=0.75), KneserNey(3, 4, d=0.5), KneserNey(4, 4, d=0.9),
    PositionKneserNey(3, 4, d=0.75, punctuation=("b",)),
])
def test_probabilities_sum_to_one_in_every_context(model):
    model.fit(CORPUS)
    histories = [(x, y, z)[-(model.n - 1):] if model.n > 1 else ()
                 for x in VOCAB + ["<s>"] for y in VOCAB + ["<s>"] for z in VOCAB + ["<s>"]]
    tags = [()] if not isinstance(model, PositionKneserNey) else \
        [("<s>", 0, 0), ("<s>", 1, 1), ("<s>", 9, 9)]
    for tag in tags:
        for h in set(histories):
            probs = [model.prob(w, tuple(h), tag) for w in VOCAB]
            assert min(probs) > 0
            assert sum(probs) == pytest.approx(1.0)


def test_add_k_by_hand():
    model = AddK(2, 4, k=1.0).fit(CORPUS)
    # after 'a': b twice, </s> twice -> (2 + 1) / (4 + 4)
    assert model.prob("b", ("a",)) == pytest.approx(3 / 8)
    assert model.prob("c", ("a",)) == pytest.approx(1 / 8)
    assert model.prob("a", ("c",)) == pytest.approx(1 / 4)   # unseen history: uniform
    unigram = AddK(1, 4, k=1.0).fit(CORPUS)
    # predicted tokens: a x4, b x4, </s> x3 (the start marker is never predicted)
    assert unigram.prob("a", ()) == pytest.approx(5 / 15)
    assert unigram.prob("</s>", ()) == pytest.approx(4 / 15)


def test_kneser_ney_by_hand():
    model = KneserNey(2, 4, d=0.5).fit(CORPUS)
    # continuation counts (distinct tokens before): a after <s>, b -> 2;
    # b after <s>, a, b -> 3; </s> after a, b -> 2; 7 in all, 3 kinds of token
    p_uni = {"a": (2 - 0.5 + 0.5 * 3 / 4) / 7, "b": (3 - 0.5 + 0.5 * 3 / 4) / 7,
             "</s>": (2 - 0.5 + 0.5 * 3 / 4) / 7, "c": (0.5 * 3 / 4) / 7}
    assert sum(p_uni.values()) == pytest.approx(1.0)
    # after 'a' (4 times): b 2, </s> 2; two kinds of followers
    assert model.prob("b", ("a",)) == pytest.approx((2 - 0.5 + 0.5 * 2 * p_uni["b"]) / 4)
    assert model.prob("c", ("a",)) == pytest.approx(0.5 * 2 * p_uni["c"] / 4)
    assert model.prob("a", ("c",)) == pytest.approx(p_uni["a"])  # unseen history


def test_perplexity_is_exp_of_mean_negative_log_probability():
    model = KneserNey(2, 4, d=0.5).fit(CORPUS)
    seq = ["<s>", "b", "a", "</s>"]
    logp = [math.log(model.prob("b", ("<s>",))), math.log(model.prob("a", ("b",))),
            math.log(model.prob("</s>", ("a",)))]
    assert model.perplexity([seq]) == pytest.approx(math.exp(-sum(logp) / 3))
    assert AddK(1, 4, k=1e9).fit(CORPUS).perplexity(CORPUS) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        model.perplexity([])
    with pytest.raises(ValueError):
        model.perplexity([["<s>"]])


def test_histories_are_padded_with_the_start_marker():
    model = KneserNey(3, 4)
    events = list(model.events(["<s>", "a", "b", "</s>"]))
    assert events == [((), ("<s>", "<s>"), "a"), ((), ("<s>", "a"), "b"),
                      ((), ("a", "b"), "</s>")]


def test_position_kneser_ney_learns_where_lines_end():
    # two-character "lines" ending in ',' or '.': the position alone tells a mark is due
    poems = [["<s2>", x, y, ",", z, w, ".", "</s>"]
             for x, y, z, w in ["abcd", "badc", "cdab", "dcba", "acbd", "bdca"]]
    vocab = 7  # a b c d , . </s>
    plain = KneserNey(2, vocab, d=0.75).fit(poems)
    positional = PositionKneserNey(2, vocab, d=0.75, punctuation=(",", ".")).fit(poems)
    assert positional.tags(poems[0]) == [("<s2>", 0, 0), ("<s2>", 0, 1), ("<s2>", 0, 2),
                                         ("<s2>", 1, 0), ("<s2>", 1, 1), ("<s2>", 1, 2),
                                         ("<s2>", 2, 0)]
    test = [["<s2>", "a", "d", ",", "c", "b", ".", "</s>"]]
    assert positional.perplexity(test) < plain.perplexity(test)
    assert positional.prob(",", ("d",), ("<s2>", 0, 2)) > 0.8
    assert plain.prob(",", ("d",)) < 0.5


def test_bad_arguments():
    with pytest.raises(ValueError):
        KneserNey(0, 4)
    with pytest.raises(ValueError):
        KneserNey(2, 4, d=1.0)
    with pytest.raises(ValueError):
        AddK(2, 4, k=0)
    with pytest.raises(ValueError):
        AddK(2, 0)


def test_best_ngram_keeps_the_lowest_dev_perplexity():
    dev = [["<s>", "a", "b", "</s>"], ["<s>", "b", "a", "</s>"]]
    model, table = best_ngram(KneserNey, CORPUS, dev, 4, orders=(1, 2), values=(0.3, 0.9))
    assert set(table) == {(1, 0.3), (1, 0.9), (2, 0.3), (2, 0.9)}
    best = min(table, key=table.get)
    assert (model.n, model.d) == best
    assert model.perplexity(dev) == pytest.approx(table[best])
    fresh = KneserNey(best[0], 4, best[1]).fit(CORPUS)
    assert fresh.perplexity(dev) == pytest.approx(table[best])
    addk, _ = best_ngram(AddK, CORPUS, dev, 4, orders=(1,), values=(0.01, 1.0, 100.0))
    assert addk.k in (0.01, 1.0, 100.0) and addk.n == 1


def test_best_kneser_ney_uses_the_chapter_grids():
    dev = [["<s>", "a", "b", "</s>"], ["<s>", "b", "a", "</s>"]]
    model, table = best_kneser_ney(CORPUS, dev, 4)
    assert type(model) is KneserNey and set(table) == {(n, d) for n in (2, 3, 4)
                                                        for d in DISCOUNTS}
    assert (model.n, model.d) == min(table, key=table.get)
    model, table = best_kneser_ney(CORPUS, dev, 4, position=True)
    assert type(model) is PositionKneserNey and {n for n, _ in table} == {2, 3}
