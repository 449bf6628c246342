"""Every page type of the platform with real content — the PMA 2030 demo (seed_demo)
plus a ballot of each voting method — in a real browser: zero axe-core violations
(WCAG 2.1 A and AA) at phone and desktop widths, no sideways scrolling, one <h1>,
and a screenshot of each. Failures are gathered so one run lists every page at fault."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.e2e.helpers import check_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(_reference_data):
    """The demo, and the address of one page of each type."""
    call_command("seed_demo", stdout=io.StringIO())
    from decisions.models import ActionItem, Indicator, Recommendation
    from proposals.models import Proposal
    from summaries.models import DecisionSummary
    from votes.models import VoteSession
    from workshops.models import Workshop, WorkshopState

    recommendation = Recommendation.objects.filter(status="published").first()
    action = ActionItem.objects.first()
    workshop = Workshop.objects.filter(state=WorkshopState.LIVE).first()
    vote = VoteSession.objects.filter(state="published").first()
    pages = {
        "board": "/propositions/",
        "proposal-demo": Proposal.objects.order_by("-pk").first().get_absolute_url(),
        "workshops": "/ateliers/",
        "join": "/rejoindre/",
        "room-visitor": f"/ateliers/{workshop.slug}/",
        "votes": "/votes/",
        "vote-published": f"/votes/{vote.pk}/",
        "vote-published-results": f"/votes/{vote.pk}/resultats/",
        "recommendations": "/recommandations/",
        "recommendation": f"/recommandations/{recommendation.pk}/",
        "recommendation-trace": f"/recommandations/{recommendation.pk}/trace/",
        "actions": "/actions/",
        "action": f"/actions/{action.pk}/",
        "action-trace": f"/actions/{action.pk}/trace/",
        "indicators": "/indicateurs/",
        "indicator": f"/indicateurs/{Indicator.objects.first().slug}/",
        "dashboard": "/tableau-de-bord/",
        "summaries": "/syntheses/",
        "summary": DecisionSummary.objects.first().get_absolute_url(),
        "open-data": "/donnees/",
    }
    return pages


@pytest.fixture
def ballots(_reference_data, editor):
    """An open board vote of each method, results shown live."""
    from votes.models import Method, Reveal
    from votes.services import session_create, session_open

    now = timezone.now()
    sessions = {}
    for method in Method.values:
        session = session_create(
            actor=editor,
            title=f"Vote de démonstration ({method})",
            question="Quelles pistes pour requalifier les friches ?",
            method=method,
            reveal=Reveal.LIVE,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
            labels=[]
            if method == Method.OPEN_QUESTION
            else ["Inventaire", "Dépollution", "Portage"],
        )
        sessions[method] = session_open(session=session, actor=editor)
    return sessions


def visit_all(page, site, pages: dict[str, str]) -> None:
    problems: list[str] = []
    for name, path in pages.items():
        try:
            response = page.goto(site(path))
        except Exception as exc:  # an error status with an empty body
            problems.append(f"{name} {path}: {exc}")
            continue
        if response is None or response.status != 200:
            problems.append(f"{name} {path}: HTTP {response.status if response else '?'}")
            continue
        h1 = page.locator("h1").count()
        if h1 != 1:
            problems.append(f"{name} {path}: {h1} <h1> elements")
        try:
            check_page(page, name)
        except AssertionError as exc:
            problems.append(f"{name} {path}: {exc}")
    assert not problems, "\n\n".join(problems)


def test_public_pages_with_the_demo_content(site, demo, page):
    visit_all(page, site, demo)


def test_ballots_of_every_method_and_their_results(site, ballots, page):
    sign_in(page, site, UserFactory(display_name="Lucie", college="civil_society"))
    pages = {}
    for method, session in ballots.items():
        pages[f"ballot-{method}"] = f"/votes/{session.pk}/"
        pages[f"results-{method}"] = f"/votes/{session.pk}/resultats/"
    visit_all(page, site, pages)


def test_editor_pages(site, demo, editor, facilitator, page):
    from accounts.services import role_grant
    from summaries.models import DecisionSummary

    role_grant(user=editor, role="facilitators")
    sign_in(page, site, editor)
    visit_all(
        page,
        site,
        {
            "recommendation-create": "/recommandations/nouvelle/",
            "indicator-create": "/indicateurs/nouveau/",
            "summaries-editor": "/syntheses/",
            "summary-edit": DecisionSummary.objects.first().get_absolute_url() + "modifier/",
            "vote-create": "/votes/nouveau/",
            "notifications": "/notifications/",
            "moderation": "/propositions/moderation/",
        },
    )


def test_keyboard_basics_on_the_demo_pages(site, demo, new_context):
    """Skip link first and working, visible focus, Tab in reading order: on a phone."""
    from tests.e2e.helpers import assert_keyboard_basics

    page = new_context("phone").new_page()
    problems: list[str] = []
    for name, path in demo.items():
        page.goto(site(path))
        try:
            assert_keyboard_basics(page, f"{name} {path}", stops=40)
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)
