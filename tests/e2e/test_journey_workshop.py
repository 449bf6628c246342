"""Journey 1: a live workshop in a meeting room. The facilitator opens it from a laptop,
two people join with the code from their phones (one signed in, one guest), an idea
posted on one phone shows up on the other and on the room's screen without a reload,
and the facilitator's phase change and timer reach everyone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def scheduled_workshop(axis, facilitator):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState

    workshop = WorkshopFactory(
        title="Friches industrielles : par où commencer ?",
        slug="friches-industrielles",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    return workshop


def wait_live(page: Page) -> None:
    expect(page.locator("#room")).to_have_attribute("data-connection", "live")


def join_as_guest(page: Page, site, code: str, name: str) -> None:
    page.goto(site("/rejoindre/"))
    page.get_by_label("Code d'accès").fill(code)
    page.get_by_label("Votre nom affiché").fill(name)
    page.get_by_label("Vous venez en tant que").select_option("citizens")
    page.get_by_role("button", name="Entrer dans la salle").click()


def test_facilitator_and_two_phones_share_a_live_room(
    site, new_context, scheduled_workshop, facilitator
):
    workshop = scheduled_workshop
    room = f"/ateliers/{workshop.slug}/"

    # The facilitator opens the workshop from the presenter console.
    console = new_context("desktop").new_page()
    sign_in(console, site, facilitator, next_path=room)
    presenter = console.context.new_page()
    presenter.goto(site(f"{room}animer/"))
    presenter.get_by_role("button", name="Ouvrir l'atelier (en direct)").click()
    expect(presenter.locator("[data-console-status]")).to_contain_text("Atelier ouvert en direct")
    console.goto(site(room))
    expect(console.locator("[data-state-label]")).to_have_text(re.compile("direct", re.I))
    wait_live(console)
    code = console.locator("[data-join-code]").first.inner_text().strip()

    # The room's screen.
    screen = console.context.new_page()
    screen.goto(site(f"{room}ecran/"))
    wait_live(screen)
    expect(screen.locator(".projector__code")).to_have_text(code)

    # Two phones: Inès has an account, Paul joins as a guest.
    ines_user = UserFactory(display_name="Inès", college="citizens")
    ines = new_context("phone").new_page()
    sign_in(ines, site, ines_user)
    ines.goto(site(f"/rejoindre/?code={code}"))
    ines.get_by_role("button", name="Entrer dans la salle").click()
    expect(ines).to_have_url(re.compile(re.escape(room)))
    wait_live(ines)

    paul = new_context("phone").new_page()
    join_as_guest(paul, site, code, "Paul")
    expect(paul).to_have_url(re.compile(re.escape(room)))
    wait_live(paul)
    check_page(paul, "room-guest")

    # An idea from Inès's phone reaches Paul's phone and the screen, no reload.
    idea = "Un inventaire public des friches avec leur état de pollution"
    ines.get_by_label("Votre idée, en une phrase").fill(idea)
    ines.get_by_role("button", name="Poster l'idée").click()
    expect(paul.locator("[data-ideas]")).to_contain_text(idea)
    expect(screen.locator("[data-ideas]")).to_contain_text(idea)
    expect(console.locator("[data-ideas]")).to_contain_text(idea)
    expect(paul.locator("[data-idea-count]")).to_have_text("1")

    # The facilitator moves to the next phase and starts the timer: everyone sees it.
    before = paul.locator("[data-current-phase]").inner_text()
    presenter.get_by_role("button", name=re.compile("Étape suivante")).click()
    new_phase = console.locator("[data-current-phase]")
    expect(new_phase).not_to_have_text(before)
    phase_title = new_phase.inner_text()
    for page in (ines, paul, screen):
        expect(page.locator("[data-current-phase]")).to_have_text(phase_title)
    presenter.get_by_role("button", name="Démarrer le minuteur").click()
    for page in (ines, paul, screen):
        # The countdown runs on every screen: its text changes second by second.
        timer = page.locator("[data-timer-text]")
        expect(timer).to_have_text(re.compile(r"\d+:\d\d"))
        shown = timer.inner_text()
        expect(timer).not_to_have_text(shown, timeout=3_000)
        expect(page.locator("[data-timer-state]")).not_to_contain_text("pause")

    # What people see, checked like every other page.
    check_page(screen, "projector")
    check_page(console, "room-facilitator")
    check_page(ines, "room-participant")
