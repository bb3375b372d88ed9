"""Records how long each notebook's cells take when nbval runs them.

After a run that executed notebooks (``make test`` or ``make notebooks``),
``_build/notebook-times.json`` maps each notebook to its seconds of cell
execution; ``make bench`` prints them per chapter. Notebooks not run this time
keep their earlier entries.
"""
import json
from collections import defaultdict
from pathlib import Path

_TIMES = Path(__file__).resolve().parent / "_build" / "notebook-times.json"
_seconds = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration


def pytest_sessionfinish(session):
    if not _seconds:
        return
    times = json.loads(_TIMES.read_text()) if _TIMES.exists() else {}
    times.update({path: round(seconds, 2) for path, seconds in _seconds.items()})
    _TIMES.parent.mkdir(exist_ok=True)
    _TIMES.write_text(json.dumps(dict(sorted(times.items())), indent=1) + "\n")
