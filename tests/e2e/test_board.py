"""The board in a real browser: htmx filtering and paging, the same page without JavaScript,
the live Markdown preview; accessibility checked with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.fixture
def board_data(_reference_data):
    from proposals.models import Axis
    from proposals.services import proposal_create

    hydrogen = Axis.objects.get(slug="filieres-avenir")
    marketing = Axis.objects.get(slug="marketing-territorial")
    author = UserFactory(college="enterprises")
    proposal_create(
        author=author, axis=hydrogen, title="Électrolyseurs mutualisés à Étupes", body="H2"
    )
    for i in range(25):
        proposal_create(
            author=UserFactory(),
            axis=marketing,
            title=f"Portrait d'entrepreneur·e n° {i}",
            body="x",
        )


def test_board_filters_and_pages_with_htmx_without_reloading(site, new_context, board_data):
    page = new_context("desktop").new_page()
    page.goto(site("/propositions/"))
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_label("Rechercher").fill("electrolyseur")
    expect(page.locator(".proposal-card")).to_have_count(1)
    expect(page.get_by_role("link", name="Électrolyseurs mutualisés à Étupes")).to_be_visible()
    assert page.evaluate("() => window.__sameDocument") is True  # no full reload
    assert re.search(r"q=electrolyseur", page.url)  # the URL can be shared
    assert page.locator("#board-status").inner_text().startswith("1 proposition")

    page.goto(site("/propositions/?axis=marketing-territorial&sort=recent"))
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_role("link", name="Page suivante").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.evaluate("() => window.__sameDocument") is True
    assert page.evaluate("() => document.activeElement.id") == "board-count"
    expect(page.locator(".proposal-card")).to_have_count(5)
    check_page(page, "board")


def test_board_works_without_javascript(site, new_context, board_data):
    page = new_context("desktop", java_script_enabled=False).new_page()
    page.goto(site("/propositions/"))
    page.get_by_label("Axe", exact=True).select_option("filieres-avenir")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"axis=filieres-avenir"))
    assert page.locator(".proposal-card").count() == 1
    page.goto(site("/propositions/?axis=marketing-territorial"))
    page.get_by_role("link", name="Page suivante").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".proposal-card").count() == 5


def test_live_preview_shows_sanitised_markdown(site, new_context, board_data):
    user = UserFactory()
    page = new_context("desktop").new_page()
    sign_in(page, site, user, next_path="/propositions/nouvelle/")
    page.goto(site("/propositions/nouvelle/"))
    page.get_by_label("Votre proposition").fill("Une **idée** <script>window.__xss=1</script>")
    page.locator("#preview strong", has_text="idée").wait_for()
    assert page.evaluate("() => window.__xss") is None
    check_page(page, "proposal-editor")


def test_moderator_pages_pass_axe(site, new_context, board_data):
    from accounts.services import role_grant
    from proposals import services
    from proposals.models import Proposal

    moderator = UserFactory()
    role_grant(user=moderator, role="moderators")
    proposal = Proposal.objects.get(title__startswith="Électrolyseurs")
    root = services.comment_create(proposal=proposal, author=UserFactory(), body="Bonne *idée*")
    services.comment_create(proposal=proposal, author=UserFactory(), body="Oui", parent=root)
    services.report_create(reporter=UserFactory(), comment=root, reason="À vérifier")
    page = new_context("desktop").new_page()
    sign_in(page, site, moderator, next_path=proposal.get_absolute_url())
    for path, name in [
        (proposal.get_absolute_url(), "proposal-moderator"),
        ("/propositions/moderation/", "moderation-queue"),
        (proposal.axis.get_absolute_url(), "axis-page"),
        ("/compte/jetons/", "api-tokens"),
    ]:
        page.goto(site(path))
        check_page(page, name)


def test_draft_survives_a_closed_tab_and_goes_once_published(site, new_context, board_data):
    user = UserFactory()
    context = new_context("desktop")
    page = context.new_page()
    sign_in(page, site, user, next_path="/propositions/nouvelle/")
    page.goto(site("/propositions/nouvelle/"))
    page.get_by_label("Titre").fill("Un fonds d'épargne locale")
    page.get_by_label("Votre proposition").fill("Des **livrets** fléchés")
    page.wait_for_timeout(800)
    page.close()
    page = context.new_page()
    page.goto(site("/propositions/nouvelle/"))
    expect(page.get_by_label("Titre")).to_have_value("Un fonds d'épargne locale")
    expect(page.locator("#preview strong", has_text="livrets")).to_be_visible()
    expect(page.get_by_text("Nous avons retrouvé votre brouillon")).to_be_visible()
    page.locator("#id_axis").select_option(label="3. Filières d'avenir")
    page.get_by_role("button", name="Publier la proposition").click()
    page.wait_for_url(re.compile(r"/propositions/\d+/$"))
    page.goto(site("/propositions/nouvelle/"))
    expect(page.get_by_label("Titre")).to_have_value("")
