"""Numbers in the book's prose: measured ones are glued, typed ones are facts or asserted claims.

A number that a computation produced (an accuracy, a perplexity, a time, a
norm) must reach the text through myst-nb's glue (``d2lite.glue`` in a code
cell, ``{glue:text}`name:.2%``` in the text), so that the sentence says what
the output above it shows on the reader's machine. These tests find
measured-looking numbers typed into markdown: any number with a decimal
point, a percentage, a ratio ("3x", "3 times") or three or more digits,
outside math, code and roles. Each must be listed in the page's allow-list
with the reason it may be typed: a fact (a data set's size, a year, a
hyperparameter the code sets, a published result with its citation) or a
claim that a hidden assert checks ("past 99%" with ``assert acc > 0.99``).

The allow-list of a notebook is its metadata ``d2lite.typed_numbers``
(``{"60,000": "MNIST's training images"}``); of a markdown page,
``MARKDOWN_PAGES`` below. Numbers are written as in the text, with the
suffix normalized: ``99%``, ``3x`` (for "3x", "3×" and "3 times").
"""
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
PAGES = sorted((ROOT / "book").rglob("*.md"))

# What is not prose: fenced blocks and directives, math, roles ({glue:text}`x`,
# {cite}`y`), inline code, link targets, HTML tags.
_NOT_PROSE = [
    re.compile(r"```.*?```|~~~.*?~~~", re.S),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\{[\w:-]+\}`[^`]*`"),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"(?<!\\)\$[^$\n]+?\$"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"<[^>\n]+>"),
]
_NUMBER = re.compile(
    r"(?<![\w.\-/#])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s?%|\s?×|x\b|\s(?:times)\b)?")

# Typed numbers of the markdown pages (chapter introductions): number -> reason.
MARKDOWN_PAGES = {
    "book/cnn/index.md": {
        "99%": "claim: lenet asserts test accuracy > 0.99",
        "98%": "claim: the MLP chapter asserts test accuracy > 0.98",
        "784": "fact: 28 x 28 pixels",
        "92%": "claim: fashion-cnn asserts test accuracy > 0.92",
        "89%": "claim: workflow asserts the MLP's Fashion-MNIST accuracy < 0.89",
    },
    "book/mlp/index.md": {
        "98%": "claim: mlp-mnist asserts test accuracy > 0.98",
        "97%": "published: the curriculum's feed-forward result",
        "92%": "claim: softmax-gluon asserts test accuracy > 0.92",
    },
    "book/rnn/index.md": {"618": "fact: the Tang dynasty began in 618"},
    "book/softmax/index.md": {
        "60,000": "fact: MNIST's training images",
        "92%": "claim: softmax-gluon asserts test accuracy > 0.92",
        "92.52%": "published: the curriculum's softmax result",
    },
}


def prose(markdown):
    """``markdown`` with math, code, roles, links and tags blanked out."""
    for pattern in _NOT_PROSE:
        markdown = pattern.sub(" ", markdown)
    return markdown


def typed_numbers(markdown):
    """The measured-looking numbers typed into ``markdown``, normalized (``99%``, ``3x``)."""
    found = []
    for match in _NUMBER.finditer(prose(markdown)):
        whole, decimals, suffix = match.groups()
        suffix = (suffix or "").strip()
        suffix = {"": "", "%": "%"}.get(suffix, "x")
        if decimals or suffix or len(whole.replace(",", "")) >= 3:
            found.append(whole + (decimals or "") + suffix)
    return found


def notebook_markdown(nb):
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def notebook_code(nb):
    return "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def rel(path):
    return str(path.relative_to(ROOT))


def test_the_scanner_finds_what_looks_measured():
    text = ("It reaches 98.5% (about 0.99 of the time), 3x faster, 2.5 times fewer, "
            "1,234 steps and 660 epochs; 12 layers, 5 cells. $0.347$ and `0.5` and "
            "{glue:text}`acc:.2%` and [a link](https://example.org/1.2.3) are not prose.")
    assert typed_numbers(text) == ["98.5%", "0.99", "3x", "2.5x", "1,234", "660"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_measured_numbers_are_glued_not_typed(path):
    nb = load(path)
    allowed = nb["metadata"].get("d2lite", {}).get("typed_numbers", {})
    typed = typed_numbers(notebook_markdown(nb))
    unexplained = sorted(set(typed) - set(allowed))
    assert not unexplained, (
        f"{rel(path)}: numbers typed into the text: {unexplained}. Glue each one that a "
        f"computation produced (d2lite.glue + {{glue:text}}); list facts and asserted claims, "
        f"with their reason, in the notebook's metadata d2lite.typed_numbers.")
    stale = sorted(set(allowed) - set(typed))
    assert not stale, f"{rel(path)}: d2lite.typed_numbers lists numbers the text no longer has: {stale}"
    assert all(isinstance(reason, str) and reason.strip() for reason in allowed.values()), \
        f"{rel(path)}: every typed number needs its reason"


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_markdown_pages_type_only_facts_and_claims(path):
    allowed = MARKDOWN_PAGES.get(rel(path), {})
    typed = set(typed_numbers(path.read_text(encoding="utf-8")))
    assert typed == set(allowed), (
        f"{rel(path)}: typed numbers {sorted(typed - set(allowed))} need a reason in "
        f"MARKDOWN_PAGES; listed but gone: {sorted(set(allowed) - typed)}")


_GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)(?::[^`]*)?`")
_GLUE_CALL = re.compile(r"\bglue\(\s*(?:f?[\"'])([^\"']+)[\"']")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_every_glued_name_in_the_text_is_glued_by_the_code(path):
    nb = load(path)
    used = set(_GLUE_ROLE.findall(notebook_markdown(nb)))
    glued = _GLUE_CALL.findall(notebook_code(nb))
    missing = used - set(glued)
    assert not missing, f"{rel(path)}: the text shows {sorted(missing)}, which no cell glues"
    # An f-string name (glue(f"acc_{i}", ...)) stands for several; plain names once each.
    plain = [name for name in glued if "{" not in name]
    twice = {name for name in plain if plain.count(name) > 1}
    assert not twice, f"{rel(path)}: glued more than once: {sorted(twice)}"


def test_every_headline_is_glued_and_asserted_with_its_bound():
    sys.path.insert(0, str(ROOT / "tests"))
    from portability import HEADLINES

    for label, notebook, name, bound in HEADLINES:
        nb = load(ROOT / notebook)
        hidden = "\n".join("".join(c["source"]) for c in nb["cells"]
                           if c["cell_type"] == "code"
                           and "remove-cell" in c.get("metadata", {}).get("tags", []))
        assert re.search(rf"\bglue\(\s*[\"']{name}[\"']", notebook_code(nb)), \
            f"{label}: {notebook} does not glue {name!r}"
        op, limit = bound.split()
        assert re.search(rf"assert\s+{name}\s*{re.escape(op)}\s*{re.escape(limit)}\b", hidden), \
            f"{label}: no hidden `assert {name} {bound}` in {notebook}"
