"""Journey 2: a majority-judgment vote in a live workshop. The facilitator opens it,
two phones vote (the ballot appears without a reload), the results stay hidden until
the facilitator closes the vote and reveals them, then every phone shows the ranking
and the merit profile (chart and its table)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

OPTIONS = ["Navettes électriques", "Pistes cyclables continues", "Covoiturage des salariés"]


@pytest.fixture
def live_workshop(axis, facilitator):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop = WorkshopFactory(
        title="Se déplacer vers les zones d'emploi",
        slug="mobilite-zones-emploi",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


@pytest.fixture
def mj_session(live_workshop, facilitator):
    from votes.models import Method, Reveal
    from votes.services import session_create

    return session_create(
        actor=facilitator,
        title="Quelle priorité pour la mobilité ?",
        method=Method.MAJORITY_JUDGMENT,
        workshop=live_workshop,
        reveal=Reveal.AT_CLOSE,
        labels=OPTIONS,
    )


def grade(page: Page, grades: dict[str, str]) -> None:
    """One option per card (« Option n / N »), then the review, then send."""
    ballot = page.locator("form.ballot--majority_judgment")
    for n, (option, mention) in enumerate(grades.items(), start=1):
        expect(ballot.locator(".ballot__progress")).to_have_text(f"Option {n} / {len(grades)}")
        group = ballot.get_by_role("group", name=option)
        group.get_by_label(mention, exact=True).check()
    ballot.get_by_role("button", name="Vérifier mon vote").click()
    review = ballot.locator(".ballot__review")
    for option, mention in grades.items():
        expect(review).to_contain_text(option)
        expect(review).to_contain_text(mention)
    ballot.get_by_role("button", name="Voter").click()


def test_majority_judgment_from_opening_to_merit_profile(
    site, new_context, live_workshop, mj_session, facilitator
):
    room = f"/ateliers/{live_workshop.slug}/"

    console = new_context("desktop").new_page()
    sign_in(console, site, facilitator, next_path=room)

    ines = new_context("phone").new_page()
    sign_in(ines, site, UserFactory(display_name="Inès", college="citizens"))
    ines.goto(site(f"/rejoindre/?code={live_workshop.join_code}"))
    ines.get_by_role("button", name="Entrer dans la salle").click()
    expect(ines.locator("#room")).to_have_attribute("data-connection", "live")

    paul = new_context("phone").new_page()
    paul.goto(site("/rejoindre/"))
    paul.get_by_label("Code d'accès").fill(live_workshop.join_code)
    paul.get_by_label("Votre nom affiché").fill("Paul")
    paul.get_by_label("Vous venez en tant que").select_option("enterprises")
    paul.get_by_role("button", name="Entrer dans la salle").click()
    expect(paul.locator("#room")).to_have_attribute("data-connection", "live")
    expect(paul.locator("form.ballot")).to_have_count(0)

    # The facilitator opens the vote; the ballot appears on the phones by itself.
    console.goto(site(f"/votes/{mj_session.pk}/gerer/"))
    check_page(console, "vote-manage")
    console.get_by_role("button", name="Ouvrir le vote").click()
    for phone in (ines, paul):
        expect(phone.locator("form.ballot--majority_judgment")).to_be_visible()
    check_page(paul, "ballot-majority-judgment")

    grade(ines, {OPTIONS[0]: "Très bien", OPTIONS[1]: "Bien", OPTIONS[2]: "Insuffisant"})
    grade(paul, {OPTIONS[0]: "Excellent", OPTIONS[1]: "Passable", OPTIONS[2]: "À rejeter"})
    for phone in (ines, paul):
        expect(phone.locator(".vote-thanks")).to_contain_text("Merci, votre vote est enregistré")
        # Revealed at close only: nothing to see yet, not even provisional results.
        expect(phone.locator("[data-results]")).to_have_count(0)

    # Closed, then revealed: ranking and merit profile on every phone.
    console.goto(site(f"/votes/{mj_session.pk}/gerer/"))
    console.get_by_role("button", name=re.compile("Clore le vote")).click()
    console.get_by_role("button", name="Dévoiler les résultats").click()
    for phone in (ines, paul):
        results = phone.locator("[data-results]")
        expect(results).to_be_visible()
        expect(results.locator("figure svg:visible").first).to_be_visible()
        table = results.locator("table.vote-table--mj").first
        first_row = table.locator("tbody tr").first
        expect(first_row.locator("th")).to_have_text(OPTIONS[0])
        expect(first_row.locator("td").nth(1)).to_have_text(re.compile("Très bien|Excellent"))
    check_page(ines, "room-vote-results")

    results_page = new_context("desktop").new_page()
    results_page.goto(site(f"/votes/{mj_session.pk}/resultats/"))
    expect(results_page.locator("table.vote-table--mj").first).to_be_visible()
    check_page(results_page, "vote-results")
