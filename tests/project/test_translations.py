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


FRENCH = sorted(
    p for p in ROOT.glob("**/locale/fr/LC_MESSAGES/django*.po") if ".venv" not in p.parts
)


@pytest.mark.parametrize("path", FRENCH, ids=lambda p: str(p.relative_to(ROOT)))
def test_french_plural_entries_say_their_msgids_and_are_compiled(path):
    """French is the source, yet its plural entries must be in the French catalogue:
    without them gettext falls back to the English rule and 0 takes the plural
    (« 0 soutiens »). scripts/messages.py fills them with their own msgids."""
    po = polib.pofile(str(path))
    plurals = [e for e in po if e.msgid_plural and not e.obsolete]
    wrong = [e.msgid for e in plurals if e.msgstr_plural != {0: e.msgid, 1: e.msgid_plural}]
    assert not wrong, f"French plural entries not filled in {path} (run make messages): {wrong[:5]}"
    compiled = {e.msgid: e.msgstr_plural for e in polib.mofile(str(path.with_suffix(".mo")))}
    stale = [e.msgid for e in plurals if compiled.get(e.msgid) != e.msgstr_plural]
    assert not stale, f"{path.with_suffix('.mo')} is out of date (run make messages): {stale[:5]}"


def test_french_counts_follow_the_french_rule():
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("fr"):
        said = [ngettext("%(counter)s soutien", "%(counter)s soutiens", n) for n in (0, 1, 2)]
    assert said == ["%(counter)s soutien", "%(counter)s soutien", "%(counter)s soutiens"]
    with translation.override("en"):
        said = [ngettext("%(counter)s soutien", "%(counter)s soutiens", n) for n in (0, 1, 2)]
    assert said == ["%(counter)s supports", "%(counter)s support", "%(counter)s supports"]
