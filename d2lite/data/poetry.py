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

from .hub import DATA_HUB, DataError, DataFile, fetch

#: The npm release the files come from, and two public CDNs that serve its files.
POETRY_PACKAGE = "chinese-poetry@2.0.1"
_POETRY_CDNS = ("https://cdn.jsdelivr.net/npm/", "https://unpkg.com/")

#: SHA-256 of ``dist/quantangshi/poet.tang.N.json``, by N.
_TANG_DIGESTS = {
        0: "4f88f429938082523cdc72a1612bd7a7c3e3f7a33f8192c61ae51340efc3c92d",
        1000: "6e703b8d8dcedbd6110f6d48d043665ca2131db2035a5bfcef5e59a19aeb6d75",
        2000: "ec28efa7e2ae9cdbbba09f0ed186e32ccae47a325ad1e5816b7ad56071c1665a",
        3000: "9e4ba2323752b6b9fbdba875cdbc6a26636fe0cabc85fd066370d4915952001f",
        4000: "b8a7946c879b9658a6c667a4c55f776fae7e5e00a17789ab06b274c1429afc66",
        5000: "a0306e6962cff01639ad9a00b042a201b8dec1f30fa5d768a7b112589887861e",
        6000: "982a21d2b15922b406911f1c825785054314c686da86b2155d7aebb362d22771",
        7000: "a6fb69d7b4343c904dc56ae5aae34facc2478d196b51c37ceba9d1e2f171b342",
        8000: "ac3848e95b02736168003863795de4474838c2d6a71a24ca2a4a280ea5177773",
        9000: "b99d6596e3a1fe1a661652383083f92d196b8baf4e461d087081d5e1e1b7a51f",
        10000: "b97d1c5509ab62f5b433dee2020c11c4deda4542e276683d1ada6619c34c2113",
        11000: "9adf1835246053c821d99af39ce9092e14a94e1baf91740098bd9fc6f6f1cd27",
        12000: "ec43d055a219d52ecdb58cd30a8a444189392f0d68b92a41495df1c72c5fd095",
        13000: "eb9c85072d7913bb972e07c72f0123e9d7addca22cfd833cb79a5d74b1c76ebf",
        14000: "1e366dd3fb5a011091524bed36e4edff5d015bf0ddb14143f298515387dbd9a9",
        15000: "0386e58f46517daa3af0e0f385e0223f1efc0dac53afbe8fea64f99074d870b7",
        16000: "1c477aef1fc50523f9baf10f29d2d89201a14c4c73001c1c041d0fe8464d11db",
        17000: "11bac8333b2042975b9844423d113ff2c6fdf701c8b08a5b3aaa6bc9472222de",
        18000: "37543a147d16e3576d5f45ba8f7b8b51fc311bc10eddae9440f16f2d5ae885c2",
        19000: "dea74b41bc807ce2527bb119862a251e3a92b6f69bdf9f98b1434a8336830542",
        20000: "8ccf0783888b15bec60d0253e278cd4b67e94a77725df8ed079d4d8062d050b4",
        21000: "bddae814c82bf6a9fd294504aa48794bca5f03e986110739b1577aa811125cbd",
        22000: "d7e7efe3f67415455ae93974a5aa67427e99f6713fde27920bfb657ad3204c4a",
        23000: "220a535a762349ec1beed00f1dc11293ccefc70bda15c5258bbcab208b14337f",
        24000: "2f40a4ec0e4469c29f0f028d7a4ad73b83850aa271be9b63ea0c08de6e094dee",
        25000: "7e7c00ba3f7a95e97de5440f85affa9d54b420d31995b449e97a3e9ea00259f5",
        26000: "74b5bed25622da1611928fdb31297fafadaf2876ce32ddb0c8b6d12d772979f4",
        27000: "11626fcc310bbbcc601f7c8c4d8a664cef4907076cd7ec4f16268ee5b921ba44",
        28000: "86a15affa95859046f869ffd4850886250d1a181e5151b1f096f728fb2d67502",
        29000: "e1a0cffe17b4f109399db38f2b23f9b6668b8ca1c3c24e36d5cbe4f40a925862",
        30000: "e71996f771d15476bae48751081b473b381774b5d335f6163b183f70a2eaed01",
        31000: "f1efaf172d4f6fa9aaacfa4160feb766189989c3264da6ce3a6d64a7c97097bb",
        32000: "fcb2096245719199249ad23e75eac6997b5a4341564dd1cf73ce8008975b3d74",
        33000: "35abb37f65817ee4630cfeb2db286832e505873c477e12f14693bcd20e920885",
        34000: "4b656a62b6a187792c96a632c7e33f443eabda8b48c4fb5dfdda72cf02003095",
        35000: "a9671b350e58b805fda88b2c17fa0bf3a05313017d28485010e6f60a69bdf945",
        36000: "1c8e71a32743b37d318bf8beb44b8809a8079011231cf3c7106e2c59f03c55b4",
        37000: "4c37d2d92ee6fdd73299ef13c91e17b9cbb11ef59d1e024254db1eceb95dc7ae",
        38000: "08b2ce85e59eac59fe621921b62c15528e9dfb6a102994297703ad67e14aa83f",
        39000: "791d0171fe1dc88cee8424ae0281f495ed0dcdf042f97f2a3fc9b37e05e9426c",
        40000: "851d0c3cb796c7f7c63a7765e28564b2c3be3d9691c9f43f88d4d3c64034b5d8",
        41000: "3c12f59a5103e582eed9fe6ae13affddc030a31e9956efb13cb7768296ba7396",
        42000: "060026beb06028864bce48e8074e2690f92a1dc5a76ee91f98f2d62b5f02a15c",
        43000: "de5e658dccbcf0d2b38312b39a2423459b88ef893830bc145d453d82887a5753",
        44000: "8c6d550818f5390413bc58fbb3af059d3fa4a92264b1bcf84439c2b0bb043985",
        45000: "5177a4747b785f04897c36b77d5e033b11a7bcad759d1557fdb425166b8767f3",
        46000: "287e548147e6959306b74c862a1ebe43cdca39adee34e2c63ae5d3b5eaced1f5",
        47000: "8b43cce475ed43b1105a12a8bdcef32ac22dc056c5f2c616a2976a4103b5d8ac",
        48000: "8df4861e8d7bc114e91d0a5e37d193f662485cd88b8d09289cc5ac9ab243c3ed",
        49000: "418e5a082cb70c4f85ce842affec8828a53f6296882e45339c74d553fc46495e",
        50000: "894bf4e729932d2b48ba731a48075347cf55626c08ac9f30b2fe412ca9e4e895",
        51000: "9bd1b263807c5c64bca773b76d4861a49af19b76184f88260d6080bb03311928",
        52000: "1124f4b27f46bd1ffaafdda530719eddbe41858778a0a13e4557ea4eb49ffef0",
        53000: "75841062fa939e72ee12669859933c9178b88a5c5492bc9ba84d9ef7c6f1e65a",
        54000: "cd2ba326b80ff8490723ad9fb1ace812306f0e433b74268420165068b0a975ac",
        55000: "3782736dfee847958363d4adeff1236f148aff3726f2964963b17b06dad2f97b",
        56000: "274ad6e13c069e35856e53b5dee6821ad2aa9bf8b2a5f969e2eb1234fe954bca",
        57000: "e04c137b040c1a91e16614178c189d0c30a68e1d4657ea8fde8467601e3ac121",
}

#: Registry names of the 58 files, in the order of the poems.
TANG_FILES = tuple(f"chinese-poetry/dist/quantangshi/poet.tang.{n}.json" for n in _TANG_DIGESTS)

DATA_HUB.update({
    name: DataFile(tuple(f"{cdn}{POETRY_PACKAGE}/{name.split('/', 1)[1]}" for cdn in _POETRY_CDNS),
                   digest)
    for name, digest in zip(TANG_FILES, _TANG_DIGESTS.values())})

#: The forms a poem is classified into (4 or 8 lines of 5 or 7 characters, or other).
FORMS = ("quatrain5", "quatrain7", "regulated5", "regulated7", "other")

#: Why a poem is skipped: the keys of the counts :func:`poems_from_records` returns.
SKIP_REASONS = ("malformed", "empty", "lost character", "odd character", "duplicate")

_NOTE = re.compile(r"（[^（）〖〗]*）|〖[^（）〖〗]*〗")   # innermost editorial note
_CORRECTION = re.compile(r"\[([^\[\]]*)\]")             # [X]: a corrected character, kept
_DROP = re.compile(r"[0-9０-９「」『』《》〈〉\s]")       # footnote numbers, quotes, spaces
# A lost character (□, ●), one spelled by its parts ({a/b}, ⿰...) or a private-use code.
_LOST = re.compile(r"[□●{}\u2ff0-\u2fff\ue000-\uf8ff]")
_PUNCT = re.compile(r"[，。？！；：、]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


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


def poem_text(lines):
    """Join lines with the usual punctuation: ，after odd lines, 。after even and last ones."""
    return "".join(line + ("，" if i % 2 == 0 and i < len(lines) - 1 else "。")
                   for i, line in enumerate(lines))


def clean_lines(paragraphs):
    """Editorial marks out, lines split: ``["白日依山盡，黃河入海流。"]`` -> ``["白日依山盡", "黃河入海流"]``.

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
        raise PoemError("malformed", f"unbalanced brackets in {text[:30]!r}")
    text = _DROP.sub("", text)
    if _LOST.search(text):
        raise PoemError("lost character", text[:30])
    lines = [line for line in _PUNCT.split(text) if line]
    if not lines:
        raise PoemError("empty")
    for line in lines:
        if not _HAN.fullmatch(line):
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
