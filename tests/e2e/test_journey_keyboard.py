"""Journey 6: the key journeys with the keyboard only — no mouse, no click(): Tab,
Shift+Tab, arrows, Space and Enter, with a visible focus at every stop.

- a guest joins a live workshop with its code, posts an idea, raises a hand and
  grades a majority-judgment ballot;
- a citizen supports a proposal and writes a comment;
- signing in (tests/e2e/test_keyboard.py) and the skip link on every page type.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import FOCUSED, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

OPTIONS = ["Navettes électriques", "Pistes cyclables continues"]


def tab_to(page: Page, name: str | re.Pattern, max_stops: int = 150) -> dict:
    """Press Tab until the focused element's accessible text matches ``name``; every
    stop on the way must show a visible focus."""
    pattern = name if isinstance(name, re.Pattern) else re.compile(re.escape(name))
    seen: list[str] = []
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info is None:
            continue
        assert info["outline"] or info["shadow"], f"no visible focus on {info}"
        label = page.evaluate(
            """() => {
                const el = document.activeElement;
                const labels = el.labels ? [...el.labels].map((l) => l.innerText) : [];
                if (el.type === "radio" || el.type === "checkbox") return labels.join(" ").trim();
                return [el.innerText || "", el.value || "", el.getAttribute("aria-label") || "", ...labels].join(" | ");
            }"""
        )
        if pattern.search(label):
            return info
        seen.append(label[:40])
    raise AssertionError(f"{name!r} cannot be reached with Tab in {max_stops} stops: {seen}")


def focused_label(page: Page) -> str:
    return page.evaluate(
        "() => [...(document.activeElement.labels || [])].map((l) => l.innerText).join(' ').trim()"
    )


@pytest.fixture
def live_workshop_with_vote(axis, facilitator):
    from tests.workshops.factories import WorkshopFactory
    from votes.models import Method, Reveal
    from votes.services import session_create, session_open
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop = WorkshopFactory(
        title="Mobilité : l'atelier au clavier",
        slug="mobilite-clavier",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    session = session_create(
        actor=facilitator,
        title="Quelle priorité ?",
        method=Method.MAJORITY_JUDGMENT,
        workshop=workshop,
        reveal=Reveal.AT_CLOSE,
        labels=OPTIONS,
    )
    session_open(session=session, actor=facilitator)
    return workshop


def test_guest_joins_posts_raises_hand_and_votes_with_the_keyboard(
    site, new_context, live_workshop_with_vote
):
    workshop = live_workshop_with_vote
    page = new_context("phone").new_page()
    page.goto(site("/rejoindre/"))

    tab_to(page, "Code d'accès")
    page.keyboard.type(workshop.join_code)
    tab_to(page, "Votre nom affiché")
    page.keyboard.type("Awa")
    tab_to(page, "Vous venez en tant que")
    page.keyboard.press("ArrowDown")  # Citoyen·nes → Entreprises
    tab_to(page, "Entrer dans la salle")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(workshop.title)
    expect(page.locator("#room")).to_have_attribute("data-connection", "live")

    # An idea: type it, Enter submits.
    tab_to(page, "Votre idée, en une phrase")
    page.keyboard.type("Des vélos en libre-service à la gare")
    page.keyboard.press("Enter")
    expect(page.locator("[data-ideas]")).to_contain_text("Des vélos en libre-service à la gare")

    # A hand raised with Space.
    page.evaluate("() => window.scrollTo(0, 0)")
    tab_to(page, "Lever la main")
    page.keyboard.press("Space")
    expect(page.locator("[data-hands]")).to_contain_text("Awa")

    # The ballot: one option per card; its grades are a radio group: Tab enters it, the arrows
    # move through its grades (and check them, without leaving the card), Space checks the
    # focused one; « Option suivante » brings the next card, « Vérifier mon vote » the review.
    page.goto(page.url.split("#")[0])
    expect(page.locator("form.ballot--majority_judgment")).to_be_visible()
    for n, wanted in enumerate(("Passable", "Excellent")):
        if n == 0:
            tab_to(page, re.compile("^Excellent$|^À rejeter$"))  # the first card's first radio
        else:
            expect(page.locator(".ballot__progress")).to_have_text("Option 2 / 2")
            assert focused_label(page) == "Excellent"  # the next card's first grade has the focus
        for _ in range(7):
            if focused_label(page) == wanted:
                break
            page.keyboard.press("ArrowDown")
        assert focused_label(page) == wanted
        page.keyboard.press("Space")
        if n == 0:
            expect(page.locator(".ballot__progress")).to_have_text("Option 1 / 2")  # no jump
            tab_to(page, "Option suivante")
            page.keyboard.press("Enter")
    tab_to(page, "Vérifier mon vote")
    page.keyboard.press("Enter")
    expect(page.locator(".ballot__review")).to_be_focused()
    tab_to(page, re.compile("^Voter"))
    page.keyboard.press("Enter")
    expect(page.locator(".vote-thanks")).to_contain_text("Merci, votre vote est enregistré")
    groups = page.locator("form.ballot--majority_judgment fieldset")
    expect(groups.nth(0).get_by_label("Passable", exact=True)).to_be_checked()
    expect(groups.nth(1).get_by_label("Excellent", exact=True)).to_be_checked()


def test_citizen_supports_and_comments_with_the_keyboard(site, page, axis):
    from proposals.services import proposal_create

    proposal = proposal_create(
        author=UserFactory(display_name="Karim"),
        axis=axis,
        title="Un guichet unique pour les friches",
        body="Un seul interlocuteur.",
    )
    sign_in(page, site, UserFactory(display_name="Camille"))
    page.goto(site(proposal.get_absolute_url()))

    tab_to(page, "Soutenir cette proposition")
    page.keyboard.press("Enter")
    expect(page.locator(".support-box__count strong")).to_have_text("1")
    expect(page.get_by_role("button", name="Retirer mon soutien")).to_be_visible()

    tab_to(page, "Votre commentaire")
    page.keyboard.type("Oui, et avec un suivi public des dossiers.")
    tab_to(page, "Publier le commentaire")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_contain_text("Oui, et avec un suivi public des dossiers.")
