"""The tree stays readable: the import contracts hold and no module grows past about 400 lines.

`make lint` runs the contracts too; here they also fail the suite, so a test run alone catches an arrow
against the direction of README's "Layout".
"""

from pathlib import Path

from django.conf import settings
from importlinter import api  # noqa: F401  (configures import-linter, as its CLI does)
from importlinter.application import use_cases

PACKAGES = ("portal", "environments", "licensing", "api", "benchmarks")
# "About 400 lines": a module past this is split by what its parts do.
MAX_LINES = 420


def modules():
    root = Path(settings.BASE_DIR)
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(root)


def test_no_module_is_longer_than_about_400_lines():
    lengths = {str(path): (Path(settings.BASE_DIR) / path).read_text().count("\n") for path in modules()}
    assert len(lengths) > 100  # the walk found the tree
    assert {path: lines for path, lines in lengths.items() if lines > MAX_LINES} == {}


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(settings.BASE_DIR)
    assert use_cases.lint_imports(cache_dir=None, no_logo=True) is True  # every contract kept
