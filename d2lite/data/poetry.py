"""The Complete Tang Poems (chinese-poetry): load, clean, simplify, classify.

The corpus is the npm package chinese-poetry 2.0.1 (MIT licence), whose
``dist/quantangshi/poet.tang.N.json`` files (N = 0, 1000, ..., 57000) hold
57,607 poems in traditional characters, each a JSON object
``{"author", "title", "paragraphs": [...], "id"}``. :func:`load_tang_poems`
fetches them through the data hub, strips the editors' marks, converts to
simplified characters with OpenCC (``t2s``), drops duplicates and classifies
each poem's form.
"""
import collections
import functools
import json
import re

from .hub import DATA_HUB, DataError, fetch

#: Registry names of the 58 files (listed in ``hub.DATA_HUB``), in the order of the poems.
TANG_FILES = tuple(name for name in DATA_HUB
                   if name.startswith("chinese-poetry/dist/quantangshi/poet.tang."))

#: The forms a poem is classified into (4 or 8 lines of 5 or 7 characters, or other).
FORMS = ("quatrain5", "quatrain7", "regulated5", "regulated7", "other")

#: Why a poem is skipped: the keys of the counts :func:`poems_from_records` returns.
SKIP_REASONS = ("malformed", "empty", "lost character", "odd character", "duplicate")

_NOTE = re.compile(r"（[^（）〖〗]*）|〖[^（）〖〗]*〗")   # innermost editorial note
_CORRECTION = re.compile(r"\[([^\[\]]*)\]")             # [X]: a corrected character, kept
_DROP = re.compile(r"[0-9０-９「」『』《》〈〉\s]")       # footnote numbers, quotes, spaces
# A lost character (□, ●), one spelled by its parts ({a/b}, ⿰...) or a private-use code.
_LOST = re.compile(r"[□●{}\u2ff0-\u2fff\ue000-\uf8ff]")
#: Punctuation that ends a line of a poem; the sources also split lines at ：and 、.
LINE_END = "，。？！；"
_PUNCT = re.compile(f"[{LINE_END}：、]")
#: Chinese characters: CJK unified ideographs with extensions A to G, compatibility ideographs.
HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


class PoemError(ValueError):
    """A poem that cannot be used; ``reason`` is one of :data:`SKIP_REASONS`."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class Poem(collections.namedtuple("Poem", ["id", "title", "author", "lines", "form"])):
    """One cleaned poem: ``lines`` is a tuple of strings without punctuation."""
    __slots__ = ()

    @property
    def text(self):
        """The poem as one string, lines ending in ，and 。 in turn."""
        return poem_text(self.lines)


def line_end(i, num_lines):
    """The mark after line ``i`` (from 0) of ``num_lines``: ，after the 1st, 3rd, ... line, 。after
    the others and after the last."""
    return "，" if i % 2 == 0 and i < num_lines - 1 else "。"


def poem_text(lines):
    """Join lines with the usual punctuation (:func:`line_end`): ``"白日依山尽，黄河入海流。..."``."""
    return "".join(line + line_end(i, len(lines)) for i, line in enumerate(lines))


def clean_lines(paragraphs):
    """Editorial marks out, lines split.

    ``["白日依山盡，黃河入海流。"]`` -> ``["白日依山盡", "黃河入海流"]``.

    Removes notes in ``（…）`` and ``〖…〗`` (variant readings such as
    ``（一作「…」）``, footnotes), keeps the character in a correction ``[X]``,
    drops digits and quotation marks, then splits at punctuation. Raises
    :class:`PoemError` for unbalanced brackets (``"malformed"``), no text
    (``"empty"``), a lost or unwritable character such as ``□`` or ``{a/b}``
    (``"lost character"``), or anything else that is not a Chinese character
    (``"odd character"``).
    """
    text = "".join(paragraphs)
    while True:
        text, found = _NOTE.subn("", text)
        if not found:
            break
    text = _CORRECTION.sub(r"\1", text)
    if re.search(r"[（）〖〗\[\]]", text):
        raise PoemError("malformed",
                        f"unbalanced brackets in {text[:30]!r}")
    text = _DROP.sub("", text)
    if _LOST.search(text):
        raise PoemError("lost character", text[:30])
    lines = [line for line in _PUNCT.split(text) if line]
    if not lines:
        raise PoemError("empty")
    for line in lines:
        if not HANZI.fullmatch(line):
            raise PoemError("odd character", line[:30])
    return lines


def poem_form(lines):
    """``"quatrain5"``/``"quatrain7"`` (4 lines of 5/7 characters), ``"regulated5"``/
    ``"regulated7"`` (8 lines), or ``"other"``."""
    lengths = {len(line) for line in lines}
    if len(lines) in (4, 8) and len(lengths) == 1 and lengths <= {5, 7}:
        return ("quatrain" if len(lines) == 4 else "regulated") + str(len(lines[0]))
    return "other"


@functools.lru_cache(maxsize=None)
def _converter():
    import opencc  # the compiled OpenCC 1.4.2 (pinned): fast, and the book's reference
    return opencc.OpenCC("t2s")


def to_simplified(texts):
    """Convert a list of strings from traditional to simplified characters (OpenCC ``t2s``)."""
    texts = list(texts)
    if any("\n" in t for t in texts):
        raise ValueError("to_simplified: the strings must not contain newlines")
    out = _converter().convert("\n".join(texts)).split("\n") if texts else []
    if len(out) != len(texts):
        raise DataError(f"OpenCC returned {len(out)} strings for {len(texts)}")
    return out


def read_poetry_json(path):
    """The list of poem records in one chinese-poetry JSON file; a DataError if it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path} is not a valid chinese-poetry JSON file ({e}); "
                        f"delete it and fetch it again") from e
    if not isinstance(records, list):
        raise DataError(f"{path} holds a JSON {type(records).__name__}, not a list of poems")
    return records


def poems_from_records(records, simplify=True):
    """Clean, simplify, deduplicate and classify raw poem records.

    Returns ``(poems, counts)``: a list of :class:`Poem` and a ``Counter`` with
    ``"read"``, ``"kept"`` and one entry per skip reason (:data:`SKIP_REASONS`;
    ``"malformed"`` also counts records that are not ``{"paragraphs": [str, ...],
    ...}``). Duplicates are poems whose simplified lines equal an earlier poem's.
    """
    counts = collections.Counter({key: 0 for key in ("read", "kept") + SKIP_REASONS})
    kept = []
    for record in records:
        counts["read"] += 1
        paragraphs = record.get("paragraphs") if isinstance(record, dict) else None
        if not (isinstance(paragraphs, list) and all(isinstance(p, str) for p in paragraphs)):
            counts["malformed"] += 1
            continue
        try:
            lines = clean_lines(paragraphs)
        except PoemError as e:
            counts[e.reason] += 1
            continue
        kept.append((str(record.get("id", "")), str(record.get("title", "")),
                     str(record.get("author", "")), lines))
    if simplify:
        flat = [s.replace("\n", " ") for _, title, author, lines in kept
                for s in (title, author, *lines)]
        flat = iter(to_simplified(flat))
        kept = [(pid, next(flat), next(flat), [next(flat) for _ in lines])
                for pid, _, _, lines in kept]
    poems, seen = [], set()
    for pid, title, author, lines in kept:
        lines = tuple(lines)
        if lines in seen:
            counts["duplicate"] += 1
            continue
        seen.add(lines)
        poems.append(Poem(pid, title, author, lines, poem_form(lines)))
    counts["kept"] = len(poems)
    return poems, counts


@functools.lru_cache(maxsize=4)
def _load(paths):
    records = [record for path in paths for record in read_poetry_json(path)]
    return poems_from_records(records)


def load_tang_poems():
    """The Complete Tang Poems, cleaned and in simplified characters.

    Returns ``(poems, counts)`` as :func:`poems_from_records` does, for the 58
    files fetched through the data hub. The result is cached in memory.

    >>> poems, counts = load_tang_poems()
    >>> quatrains = [p for p in poems if p.form == "quatrain5"]
    """
    poems, counts = _load(tuple(str(fetch(name)) for name in TANG_FILES))
    return list(poems), collections.Counter(counts)
