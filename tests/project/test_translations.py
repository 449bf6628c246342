"""The English catalogues are complete and compiled (French is the source language)."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/en/LC_MESSAGES/django*.po") if ".venv" not in p.parts
)


def test_there_are_catalogues():
    assert CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_english_catalogue_is_complete_and_compiled(path):
    po = polib.pofile(str(path))
    missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries() if not e.obsolete]
    assert not missing, f"untranslated in {path}: {missing[:10]}"
    mo = polib.mofile(str(path.with_suffix(".mo")))
    compiled = {e.msgid: e.msgstr for e in mo}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if not e.msgid_plural and compiled.get(e.msgid) != e.msgstr
    ]
    assert not stale, f"{path.with_suffix('.mo')} is out of date (run make messages): {stale[:5]}"


def test_the_javascript_catalogue_speaks_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/jsi18n/")
    assert response.status_code == 200
    assert "Dots left: %(n)s" in response.content.decode()
