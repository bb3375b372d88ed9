"""The Tang poems: cleaning, simplification, forms, skipped poems, the hub files."""
import json

import pytest

import d2lite.data.hub as hub
from d2lite.data import poetry
from d2lite.data.poetry import PoemError, clean_lines, poem_form, poems_from_records


def record(*paragraphs, title="題", author="某", pid="x"):
    return {"author": author, "title": title, "paragraphs": list(paragraphs), "id": pid}


# --- cleaning -------------------------------------------------------------------

def test_clean_lines_splits_at_punctuation():
    assert clean_lines(["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]) == \
        ["白日依山盡", "黃河入海流", "欲窮千里目", "更上一層樓"]


def test_clean_lines_removes_variants_notes_and_digits():
    lines = clean_lines(["床前看月光（一作「明月光」），疑是[地]上霜。",
                         "舉頭望山月〖1〗，低頭思故鄉（一作「思故鄉（注）」）。2"])
    assert lines == ["床前看月光", "疑是地上霜", "舉頭望山月", "低頭思故鄉"]


def test_clean_lines_drops_quotes_and_splits_every_sentence_mark():
    assert clean_lines(["「問君何不去？」答曰：歸；"]) == ["問君何不去", "答曰", "歸"]


@pytest.mark.parametrize("paragraphs, reason", [
    (["床前□月光，疑是地上霜。"], "lost character"),
    (["弓箭圍狐兔，絲竹羅酒{炙火=肉}。"], "lost character"),
    (["●●啼深竹，鵁鶄老溼沙。"], "lost character"),
    (["⿰木養深黃狖小，地煗白雲多。"], "lost character"),
    (["床前看月光（一作明月光，疑是地上霜。"], "malformed"),
    (["床前看月光），疑是地上霜。"], "malformed"),
    (["床前看[月光，疑是地上霜。"], "malformed"),
    (["（全是注釋）", "〖1〗"], "empty"),
    ([], "empty"),
    (["歸棹越南/，拭淚聽猿嗁。"], "odd character"),
    (["abc，疑是地上霜。"], "odd character"),
])
def test_clean_lines_rejects_poems_it_cannot_use(paragraphs, reason):
    with pytest.raises(PoemError) as err:
        clean_lines(paragraphs)
    assert err.value.reason == reason


@pytest.mark.parametrize("lines, form", [
    (["一二三四五"] * 4, "quatrain5"), (["一二三四五六七"] * 4, "quatrain7"),
    (["一二三四五"] * 8, "regulated5"), (["一二三四五六七"] * 8, "regulated7"),
    (["一二三四五"] * 3 + ["一二三四五六七"], "other"), (["一二三四五"] * 6, "other"),
    (["一二三四五六"] * 4, "other"), (["一二三四五"] * 5, "other"),
])
def test_poem_form(lines, form):
    assert poem_form(lines) == form


# --- records -> poems -----------------------------------------------------------

def test_poems_from_records_simplifies_dedupes_and_counts():
    records = [
        record("床前看月光，疑是地上霜。", "舉頭望山月，低頭思故鄉。", title="靜夜思", author="李白"),
        record("床前看月光，疑是地上霜。", "舉頭望山月，低頭思故鄉。", pid="dup"),   # duplicate
        record("牀前看月光，疑是□上霜。"),                                  # lost character
        record(),                                                         # empty
        {"title": "no paragraphs"},                                       # malformed
        ["not", "a", "dict"],                                             # malformed
        record("a line", 3),                                              # malformed
        record("白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。", "（一作朱斌詩）"),
    ]
    poems, counts = poems_from_records(records)
    assert [p.lines for p in poems] == [("床前看月光", "疑是地上霜", "举头望山月", "低头思故乡"),
                                        ("白日依山尽", "黄河入海流", "欲穷千里目", "更上一层楼")]
    assert (poems[0].title, poems[0].author, poems[0].form) == ("静夜思", "李白", "quatrain5")
    assert poems[0].text == "床前看月光，疑是地上霜。举头望山月，低头思故乡。"
    assert counts == {"read": 8, "kept": 2, "duplicate": 1, "lost character": 1, "empty": 1,
                      "malformed": 3, "odd character": 0}


def test_poems_from_records_can_keep_traditional_characters():
    poems, _ = poems_from_records([record("舉頭望山月，低頭思故鄉。")], simplify=False)
    assert poems[0].lines == ("舉頭望山月", "低頭思故鄉")


def test_duplicates_are_found_after_simplification():
    poems, counts = poems_from_records([record("舉頭望山月，低頭思故鄉。"),
                                        record("举头望山月，低头思故乡。")])
    assert len(poems) == 1 and counts["duplicate"] == 1


def test_poem_text_punctuation():
    assert poetry.poem_text(["一", "二", "三"]) == "一，二。三。"


def test_to_simplified_keeps_lengths_and_order():
    assert poetry.to_simplified(["鄉", "", "黃河"]) == ["乡", "", "黄河"]
    with pytest.raises(ValueError):
        poetry.to_simplified(["兩\n行"])


# --- files ----------------------------------------------------------------------

def test_malformed_json_is_a_data_error(tmp_path):
    path = tmp_path / "poet.tang.0.json"
    path.write_text('[{"paragraphs": ["床前明月光，"]', encoding="utf-8")  # truncated
    with pytest.raises(hub.DataError, match="poet.tang.0.json is not a valid"):
        poetry.read_poetry_json(path)
    path.write_bytes(b'["\xff\xfe"]')
    with pytest.raises(hub.DataError, match="not a valid"):
        poetry.read_poetry_json(path)
    path.write_text('{"paragraphs": []}', encoding="utf-8")
    with pytest.raises(hub.DataError, match="not a list"):
        poetry.read_poetry_json(path)


def test_read_poetry_json(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps([record("床前看月光，疑是地上霜。")], ensure_ascii=False),
                    encoding="utf-8")
    assert poetry.read_poetry_json(path)[0]["paragraphs"] == ["床前看月光，疑是地上霜。"]


def _fake_corpus(folder, monkeypatch, broken=None):
    """Write 58 one-poem files under ``folder`` and register their digests."""
    monkeypatch.setenv("D2LITE_DATA_DIR", str(folder))
    for k, name in enumerate(poetry.TANG_FILES):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps([record(f"{'一二三四五六七八九十'[k % 10]}山月光明，疑是地上霜。",
                                  pid=str(k))], ensure_ascii=False)
        path.write_text(text[:-5] if k == broken else text, encoding="utf-8")
        monkeypatch.setitem(hub.DATA_HUB, name, hub.DataFile((), hub.sha256sum(path)))


def test_load_tang_poems_reads_every_file_through_the_hub(tmp_path, monkeypatch):
    _fake_corpus(tmp_path, monkeypatch)
    poems, counts = poetry.load_tang_poems()
    assert counts["read"] == 58 and counts["duplicate"] == 48 and len(poems) == 10
    assert poems[0].lines == ("一山月光明", "疑是地上霜") and poems[0].form == "other"


def test_load_tang_poems_names_a_malformed_file(tmp_path, monkeypatch):
    _fake_corpus(tmp_path, monkeypatch, broken=3)
    with pytest.raises(hub.DataError, match=r"poet\.tang\.3000\.json is not a valid"):
        poetry.load_tang_poems()


def test_tang_files_are_registered_with_npm_cdn_urls():
    assert len(poetry.TANG_FILES) == 58
    assert poetry.TANG_FILES[-1] == "chinese-poetry/dist/quantangshi/poet.tang.57000.json"
    for name in poetry.TANG_FILES:
        urls = hub.DATA_HUB[name].urls
        assert urls[0] == ("https://cdn.jsdelivr.net/npm/chinese-poetry@2.0.1/"
                           + name.removeprefix("chinese-poetry/"))
        assert len(set(hub.DATA_HUB[name].sha256 for name in poetry.TANG_FILES)) == 58


def test_real_corpus_counts(real_data_dir):
    poems, counts = poetry.load_tang_poems()
    assert counts["read"] == 57607
    assert counts["kept"] == len(poems) == counts["read"] - sum(
        counts[r] for r in poetry.SKIP_REASONS)
    forms = {form: sum(p.form == form for p in poems) for form in poetry.FORMS}
    # SOURCES.md counts before cleaning: 4,421 / 11,239 / 15,129 / 8,466.
    assert forms == {"quatrain5": 4215, "quatrain7": 11000, "regulated5": 14957,
                     "regulated7": 8419, "other": 17212}
    assert len({p.lines for p in poems}) == len(poems)
    chars = "".join("".join(p.lines) for p in poems)
    assert "鄉" not in chars and "乡" in chars               # simplified
    assert all("□" not in line for p in poems for line in p.lines)
    jys = [p for p in poems if p.title == "静夜思" and p.author == "李白"]
    assert [p.text for p in jys] == ["床前看月光，疑是地上霜。举头望山月，低头思故乡。"]
    again, _ = poetry.load_tang_poems()                          # cached: same poems
    assert again == poems and again is not poems


# --- figures with Chinese text ---------------------------------------------------

def _render_svg(text):
    import io
    import warnings

    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.set_title(text)
    ax.set_xlabel("rank of 字")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = io.BytesIO()
        fig.savefig(out, format="svg")
    plt.close(fig)
    return [str(w.message) for w in caught], out.getvalue()


def test_chinese_text_renders_with_real_glyphs():
    import matplotlib

    import matplotlib.pyplot as plt

    from d2lite.plot import use_cjk_font
    assert use_cjk_font() == "Noto Sans CJK JP"   # again: d2lite already called it
    assert plt.rcParams["font.family"].count("Noto Sans CJK JP") == 1
    messages, svg = _render_svg("床前看月光，疑是地上霜。")
    assert not [m for m in messages if "missing from font" in m], messages
    # Without the fallback font the same figure draws tofu (and matplotlib says so).
    with matplotlib.rc_context({"font.family": ["sans-serif"]}):
        messages_without, svg_without = _render_svg("床前看月光，疑是地上霜。")
    assert any("Glyph" in m and "missing from font" in m for m in messages_without)
    assert len(svg) > len(svg_without)   # the glyphs' outlines are in the SVG
