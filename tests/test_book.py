"""House rules for the book's notebooks: listed in the table of contents,
stored without outputs, seeded first, with hidden checks."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def toc_files():
    # _toc.yml lists pages as "file: book/name" (and "root: book/name").
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return set(re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*(\S+)", text, flags=re.M))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under book/"


def test_every_notebook_is_in_the_table_of_contents():
    listed = {name.removesuffix(".ipynb") for name in toc_files()}
    missing = [str(p.relative_to(ROOT)) for p in NOTEBOOKS
               if str(p.relative_to(ROOT).with_suffix("")) not in listed]
    assert not missing, f"notebooks missing from _toc.yml: {missing}"


def test_every_toc_entry_exists():
    for name in toc_files():
        assert (ROOT / name).with_suffix(".ipynb").exists() or (ROOT / name).with_suffix(".md").exists(), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                f"{path.name}: clear the outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_seeds_first_and_checks_its_claims(path):
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    first = "".join(cells[0]["source"])
    assert "set_seed(" in first, f"{path.name}: the first code cell must call d2lite.set_seed"
    hidden = [c for c in cells if "remove-cell" in c.get("metadata", {}).get("tags", [])]
    assert hidden and all("assert" in "".join(c["source"]) for c in hidden), \
        f"{path.name}: needs hidden assert cells (tagged remove-cell) that check its results"


def test_book_config_ships_mathjax_and_merges_streams():
    # What the rendered book needs from the configuration (tests/browser checks the result).
    import importlib
    from types import SimpleNamespace

    from jupyter_book.config import get_final_config

    sphinx_config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml", cli_config={"latex_individualpages": False}, sourcedir=ROOT)
    assert sphinx_config.get("nb_merge_streams") is True, \
        "set sphinx.config.nb_merge_streams: a training log must be one box, not one per print"
    assert "sphinx-mathjax-offline" in sphinx_config["extensions"], \
        "MathJax must ship with the book: add sphinx-mathjax-offline to sphinx.extra_extensions"
    assert "mathjax_path" not in sphinx_config, "mathjax_path would override the shipped MathJax"
    # The extension points Sphinx at its own copy, which it copies into _static.
    ext = importlib.import_module("sphinx-mathjax-offline")
    app = SimpleNamespace(config=SimpleNamespace(), connect=lambda *args: None)
    ext.setup(app)
    assert "://" not in app.config.mathjax_path
    assert (Path(ext.__file__).parent / "static" / app.config.mathjax_path).is_file()


def test_book_html_fix_keeps_one_copy_of_each_script():
    import importlib.util
    spec = importlib.util.spec_from_file_location("d2lite_html", ROOT / "book" / "_ext" / "d2lite_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = {"script_files": ["const A = 1", "a.js", "const A = 1", "b.js", "a.js"], "js_tag": str}
    module._drop_duplicate_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == ["const A = 1", "a.js", "b.js"]
