"""Similar ideas in a real browser: suggestions while typing the title, focus kept where the
person types, « Soutenir plutôt » one tap away; accessibility checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture
def existing(_reference_data):
    from proposals.models import Axis
    from proposals.services import proposal_create

    axis = Axis.objects.get(slug="filieres-avenir")
    author = UserFactory()
    training = proposal_create(
        author=author,
        axis=axis,
        title="Des formations aux métiers de l'industrie pour les jeunes",
        body="Avec les lycées professionnels.",
    )
    proposal_create(author=author, axis=axis, title="Ouvrir les médiathèques le dimanche", body="")
    return training


def test_similar_ideas_while_typing_then_support_instead(site, new_context, existing):
    user = UserFactory()
    page = new_context("desktop").new_page()
    sign_in(page, site, user, next_path="/propositions/nouvelle/")
    page.goto(site("/propositions/nouvelle/"))
    title = page.locator("#id_title")
    title.click()
    title.press_sequentially("formations pr les jeunes ds l'industrie", delay=20)
    region = page.locator("#similar-ideas")
    expect(region.get_by_role("heading", name="Des idées proches existent déjà")).to_be_visible()
    expect(region.get_by_role("link", name=existing.title)).to_be_visible()
    assert region.get_attribute("aria-live") == "polite"
    assert page.evaluate("() => document.activeElement.id") == "id_title"  # no focus theft
    expect(region.get_by_text("médiathèques")).to_have_count(0)
    check_page(page, "proposal-editor-similar")

    region.get_by_role("button", name="Soutenir plutôt").first.click()
    page.wait_for_url(site(existing.get_absolute_url()))
    existing.refresh_from_db()
    assert existing.support_count == 1
