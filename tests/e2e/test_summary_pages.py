"""Summary and open-data pages in a real browser: zero axe-core violations (WCAG 2.1 A/AA)
at phone and desktop widths, for the public and for an editor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from summaries.services import summary_create_for_workshop, summary_draft_update, summary_publish
from tests.e2e.helpers import check_page, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def corrected_summary(voted_workshop, decided_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=voted_workshop)
    summary_draft_update(
        summary=summary,
        actor=editor,
        title=summary.title,
        intro="Merci à **toutes et tous** pour cette soirée.",
        sections=[{**s, "note": "Texte de l'éditrice."} for s in summary.sections],
    )
    summary_publish(summary=summary, actor=editor)
    summary_draft_update(
        summary=summary,
        actor=editor,
        title=summary.title + " (corrigée)",
        intro="",
        sections=summary.sections,
    )
    summary_publish(summary=summary, actor=editor, change_note="Titre précisé.")
    return summary


def test_public_summary_pages_have_no_accessibility_violations(site, page, corrected_summary):
    slug = corrected_summary.slug
    for name, path in [
        ("summaries-list", "/syntheses/"),
        ("summary", f"/syntheses/{slug}/"),
        ("summary-old-version", f"/syntheses/{slug}/v1/"),
        ("open-data", "/donnees/"),
    ]:
        response = page.goto(site(path))
        assert response.status == 200, path
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)


def test_editor_pages_have_no_accessibility_violations(site, page, held_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    sign_in(page, site, editor)
    for name, path in [
        ("summaries-list-editor", "/syntheses/"),
        ("summary-edit", f"/syntheses/{summary.slug}/modifier/"),
        ("summary-preview", f"/syntheses/{summary.slug}/apercu/"),
    ]:
        response = page.goto(site(path))
        assert response.status == 200, path
        expect(page.locator("h1")).to_have_count(1)
        check_page(page, name)
