"""What the repository's docs and docstrings cite exists in the repository.

A docstring that names the test proving it (``tests/<app>/test_x.py::test_y``), a doc that
names the file of a step (``docs/architecture.md``): a reader follows them, so a rename that
leaves them behind fails here. Nothing points outside the checkout (``../shared/``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = (".py", ".md", ".js", ".html", ".toml", ".txt", ".sh")
TEST_CITATION = re.compile(r"(?<![\w/.])((?:tests|bench)/[\w/]+\.py)(?:::(\w+))?(?:::(\w+))?")
# `app/module.py` or `static/js/x.js` written in backquotes in a doc.
DOC_PATH = re.compile(r"`((?:[a-z_]+/)+[\w.-]+\.(?:py|js|html|md|css))`")


def _tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.split() if name.endswith(TEXT_SUFFIXES)]


def test_every_cited_test_file_and_test_exists():
    missing = []
    for path in _tracked_text_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in TEST_CITATION.finditer(line):
                cited, *names = match.groups()
                target = ROOT / cited
                where = f"{path.relative_to(ROOT)}:{number}"
                if not target.is_file():
                    missing.append(f"{where}: {cited}")
                    continue
                source = target.read_text()
                missing += [
                    f"{where}: {cited}::{name}"
                    for name in names
                    if name and not re.search(rf"\b(?:def|class) {name}\b", source)
                ]
    assert missing == []


def test_the_architecture_page_names_files_that_exist():
    text = (ROOT / "docs" / "architecture.md").read_text()
    cited = set(DOC_PATH.findall(text))
    assert len(cited) > 30  # the page does name the files of each step
    assert sorted(p for p in cited if not (ROOT / p).is_file()) == []


def test_nothing_points_outside_the_checkout():
    outside = [
        str(path.relative_to(ROOT))
        for path in _tracked_text_files()
        if path != Path(__file__).resolve() and "../shared/" in path.read_text(errors="replace")
    ]
    assert outside == []
