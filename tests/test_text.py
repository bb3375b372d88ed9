"""Vocab, poem tokens, splits by poem and minibatches of whole poems."""
import numpy as onp
import pytest
from hypothesis import given, strategies as st

from d2lite.data.poetry import Poem
from d2lite.text import (RESERVED_TOKENS, PoemBatches, Vocab, form_marker, pad_poems,
                         split_poems, tokenize_poem)

JYS = ("床前看月光", "疑是地上霜", "举头望山月", "低头思故乡")


def test_vocab_order_unk_and_min_freq():
    vocab = Vocab([["b", "a", "c"], ["a", "b", "a"]], min_freq=2, reserved_tokens=["<pad>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "a", "b"]       # c seen once: out
    assert vocab["a"] == 2 and vocab["c"] == vocab.unk == 0
    assert vocab[["b", "zz", "<pad>"]] == [3, 0, 1]
    assert vocab.to_tokens([3, 0]) == ["b", "<unk>"] and vocab.to_tokens(1) == "<pad>"
    assert vocab.token_freqs == [("a", 3), ("b", 2), ("c", 1)]
    assert "a" in vocab and "c" not in vocab and len(vocab) == 4


def test_vocab_flat_tokens_ties_and_reserved_seen_in_text():
    vocab = Vocab(list("月日月日<eos>"), reserved_tokens=["<eos>"])
    assert vocab.idx_to_token == ["<unk>", "<eos>", "日", "月", "<", ">", "e", "o", "s"]
    with pytest.raises(ValueError, match="<unk>"):
        Vocab([], reserved_tokens=["<unk>"])


@given(st.lists(st.lists(st.sampled_from(list("春眠不觉晓处闻啼鸟")), max_size=12), max_size=8),
       st.integers(1, 3))
def test_vocab_round_trip(lines, min_freq):
    vocab = Vocab(lines, min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
    assert len(set(vocab.idx_to_token)) == len(vocab)
    for line in lines:
        back = vocab.to_tokens(vocab[line])
        assert back == [t if t in vocab else "<unk>" for t in line] == vocab.known(line)
        assert vocab[back] == vocab[line]
    for token, freq in vocab.token_freqs:
        assert (token in vocab) == (freq >= min_freq)


def test_tokenize_poem():
    tokens = tokenize_poem(JYS)
    assert tokens[:7] == ["<s5>", "床", "前", "看", "月", "光", "，"]
    assert tokens[-3:] == ["乡", "。", "<eos>"] and len(tokens) == 1 + 4 * 6 + 1
    assert "".join(tokens[1:-1]) == "床前看月光，疑是地上霜。举头望山月，低头思故乡。"
    assert tokenize_poem(["一二三四五六七"] * 8)[0] == "<s7>"
    assert tokenize_poem(JYS, marker=False)[0] == "床"
    assert tokenize_poem(Poem("id", "静夜思", "李白", JYS, "quatrain5")) == tokens
    for bad in (["一二三四五", "一二三四五六七"], ["一二三四"] * 4, []):
        with pytest.raises(ValueError):
            form_marker(bad)


def test_split_by_poem_is_seeded_and_complete():
    poems = [Poem(str(i), "", "", (f"{i:05d}",) * 4, "quatrain5") for i in range(103)]
    train, dev, test = split_poems(poems, (0.8, 0.1, 0.1), seed=0)
    assert (len(train), len(dev), len(test)) == (83, 10, 10)
    assert sorted(train + dev + test) == sorted(poems)             # each poem exactly once
    assert split_poems(poems, seed=0) == (train, dev, test)
    assert split_poems(poems, seed=1) != (train, dev, test)
    assert train[:10] != poems[:10]                                # shuffled
    with pytest.raises(ValueError):
        split_poems(poems, (0.5, 0.5, 0.5))


def test_pad_poems_shifts_and_masks():
    X, Y, mask = pad_poems([[5, 6, 7, 8], [5, 9]], pad=1)
    assert X.tolist() == [[5, 6, 7], [5, 1, 1]]
    assert Y.tolist() == [[6, 7, 8], [9, 1, 1]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert X.dtype == onp.int32 and mask.dtype == onp.float32


def test_poem_batches_cover_every_poem_once_per_epoch():
    poems = [tokenize_poem(JYS), tokenize_poem(["一二三四五六七"] * 4)] * 5 \
        + [tokenize_poem(["春眠不觉晓"] * 4)]
    vocab = Vocab(poems, reserved_tokens=RESERVED_TOKENS)
    batches = PoemBatches(poems, vocab, batch_size=4, seed=0)
    assert len(batches) == 3 and batches.num_tokens == sum(len(p) - 1 for p in poems)
    epochs = []
    for _ in range(2):
        seen = []
        for X, Y, mask in batches:
            assert X.shape == Y.shape == mask.shape and X.shape[0] <= 4
            X, Y, mask = X.asnumpy(), Y.asnumpy(), mask.asnumpy()
            for x, y, m in zip(X, Y, mask):
                n = int(m.sum())
                assert m[:n].all() and not m[n:].any()
                assert (y[n:] == vocab["<pad>"]).all() and (x[1:n] == y[:n - 1]).all()
                seen.append(vocab.to_tokens(x[:1].tolist() + y[:n].tolist()))
        assert sorted(map(tuple, seen)) == sorted(map(tuple, poems))
        epochs.append(seen)
    assert epochs[0] != epochs[1]                                   # a new order each epoch
    ordered = [vocab.to_tokens(X.asnumpy()[0, :1].tolist())
               for X, _, _ in PoemBatches(poems, vocab, 1, shuffle=False)]
    assert [o[0] for o in ordered] == [p[0] for p in poems]


def test_poem_batches_need_a_pad_token():
    with pytest.raises(ValueError, match="<pad>"):
        PoemBatches([tokenize_poem(JYS)], Vocab([tokenize_poem(JYS)]), 2)
