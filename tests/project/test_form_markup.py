"""Form markup defects issue 17 found: a help text whose « <numéro> » the browser took for a
tag (« (/propositions//) »), a radio group's ``<label for="">``. Checked on every form page
an editor reaches, for every form field of the page."""

from __future__ import annotations

import re

import pytest

from tests.project.plurals import visible_text

pytestmark = pytest.mark.django_db

FORM_PAGES = [
    "/rejoindre/",
    "/recommandations/nouvelle/",
    "/indicateurs/nouveau/",
    "/votes/nouveau/",
    "/propositions/nouvelle/",
]


@pytest.fixture
def recommendation(editor, axis):
    from decisions.services import recommendation_create

    return recommendation_create(
        actor=editor, title="Une agence du foncier", axis=axis, body="Un guichet.", proposals=[]
    )


@pytest.mark.parametrize("path", [*FORM_PAGES, "recommendation"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "editor"])
def test_labels_point_at_fields_and_help_texts_read_whole(
    client, editor, recommendation, path, signed_in
):
    if path == "recommendation":  # its « add a source » form
        path = f"/recommandations/{recommendation.pk}/"
    if signed_in:
        client.force_login(editor)
    response = client.get(path)
    if response.status_code != 200:
        pytest.skip(f"{path}: {response.status_code} for this person")
    html = response.content.decode()
    assert 'for=""' not in html, re.findall(r'<label[^>]*for=""[^>]*>[^<]*', html)
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    dangling = [f for f in re.findall(r'<label[^>]*\bfor="([^"]*)"', html) if f not in ids]
    assert not dangling, f"{path}: labels for no field: {dangling}"
    for help_text in re.findall(r'<div class="helptext"[^>]*>(.*?)</div>', html, re.S):
        text = visible_text(help_text)
        assert "//" not in text and "()" not in text, f"{path}: help text reads « {text} »"


def test_the_recommendation_page_reads_no_broken_address(client, editor, recommendation):
    """Its sources are found by searching now (no number to type), and no help text on the
    page reads « (/propositions//) » (a « <numéro> » the browser took for a tag)."""
    client.force_login(editor)
    text = visible_text(client.get(f"/recommandations/{recommendation.pk}/").content.decode())
    assert "/propositions//" not in text
    assert "Mots à chercher" in text
