"""The presenter console in Chromium: a facilitator runs the « Brainstorm → regroupement →
vote » template through « Étape suivante » only, while the room's stage and two phones
follow; the console is checked with axe-core and the keyboard at 1280×800 and on a
1024×768 tablet. Screenshots in test-artifacts/screenshots/console/."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    AXE_SOURCE,
    SCREENSHOTS,
    WCAG_TAGS,
    assert_keyboard_basics,
    no_horizontal_scroll,
    sign_in,
)
from tests.e2e.test_journey_workshop import join_as_guest

pytestmark = pytest.mark.e2e

TABLET = {"width": 1024, "height": 768}
LAPTOP = {"width": 1280, "height": 800}


def shot(page: Page, name: str, full_page: bool = True) -> None:
    folder = SCREENSHOTS / "console"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def console_axe(page: Page) -> list[dict]:
    """axe-core on the console itself (the framed stage is the stage's own test's business)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run({exclude: [[".presenter__frame"]]}, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"], iframes: false,
            });
            return result.violations.map((v) => ({id: v.id, help: v.help,
                nodes: v.nodes.map((n) => n.html.slice(0, 160))}));
        }""",
        WCAG_TAGS,
    )


def check_console(page: Page, name: str) -> None:
    """At the laptop and the tablet size: screenshot, axe clean, no sideways scroll."""
    for label, viewport in (("laptop", LAPTOP), ("tablet", TABLET)):
        page.set_viewport_size(viewport)
        shot(page, f"{name}-{label}", full_page=False)
        violations = console_axe(page)
        assert not violations, f"{name} ({label}): {violations}"
        no_horizontal_scroll(page, f"{name} ({label})")
    page.set_viewport_size(LAPTOP)


@pytest.fixture
def workshop(axis, facilitator):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState

    workshop = WorkshopFactory(
        title="Mobilités du quotidien",
        slug="mobilites-du-quotidien",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    return workshop


def test_a_facilitator_runs_a_template_with_next_step_only(
    site, new_context, workshop, facilitator
):
    from votes.models import SessionState, VoteSession
    from votes.services import ballot_cast
    from workshops.models import Participant

    room = f"/ateliers/{workshop.slug}/"
    context = new_context("desktop")
    presenter = context.new_page()
    presenter.on("dialog", lambda dialog: dialog.accept())
    sign_in(presenter, site, facilitator, next_path=f"{room}animer/")
    presenter.goto(site(f"{room}animer/"))
    status = presenter.locator("[data-console-status]")
    check_console(presenter, "01-new-workshop")

    # Start from a template, then open the workshop.
    expect(presenter.get_by_label("Brainstorm → regroupement → vote")).to_be_checked()
    presenter.get_by_role("button", name="Appliquer ce modèle").click()
    expect(status).to_have_text("Déroulé « Brainstorm → regroupement → vote » appliqué : 6 étapes.")
    presenter.get_by_role("button", name="Ouvrir l'atelier (en direct)").click()
    expect(status).to_contain_text("Atelier ouvert en direct")
    expect(presenter.locator("[data-current-step]")).to_have_text("Accueil")
    # The timer's buttons follow its state.
    expect(presenter.get_by_role("button", name="Mettre le minuteur en pause")).to_have_count(0)
    presenter.get_by_role("button", name="Démarrer le minuteur").click()
    expect(status).to_contain_text("Minuteur lancé : ")
    expect(presenter.get_by_role("button", name="Démarrer le minuteur")).to_have_count(0)
    expect(presenter.get_by_role("button", name="Mettre le minuteur en pause")).to_be_focused()
    presenter.keyboard.press("Enter")
    expect(status).to_contain_text("Minuteur en pause")
    check_console(presenter, "02-live-welcome")

    code = presenter.locator(".join-code").first.inner_text().strip()
    stage = context.new_page()
    stage.goto(site(f"{room}ecran/"))
    expect(stage.locator("#room")).to_have_attribute("data-connection", "live")
    phones = []
    for name in ("Léa", "Karim"):
        phone = new_context("phone").new_page()
        join_as_guest(phone, site, code, name)
        expect(phone).to_have_url(re.compile(re.escape(room)))
        expect(phone.locator("#room")).to_have_attribute("data-connection", "live")
        phones.append(phone)
    # The console's own socket is up too (it refreshes on the room's events).
    expect(presenter.locator("#presenter")).to_have_attribute("data-connection", "live")

    def next_step(title: str) -> None:
        # The keyboard path: focus the button, press Enter; focus stays on it afterwards.
        button = presenter.get_by_role("button", name=re.compile("Étape suivante"))
        expect(button).to_contain_text(title)
        button.focus()
        started = time.monotonic()
        presenter.keyboard.press("Enter")
        expect(presenter.locator("[data-current-step]")).to_have_text(title)
        for page in (stage, *phones):
            expect(page.locator("[data-current-phase]").first).to_have_text(title)
        # Polled from here (Playwright's checks add up to ~100 ms): an upper bound.
        print(f"« Étape suivante » → {title}: every screen in {time.monotonic() - started:.2f} s")

    # Brainstorm: the phones post ideas, the stage shows them.
    next_step("Brainstorm")
    expect(status).to_contain_text("Étape en cours : « Brainstorm ».")
    ideas = ["Des navettes le dimanche vers les villages", "Un abonnement unique bus et vélo"]
    for phone, idea in zip(phones, ideas, strict=True):
        phone.get_by_label("Votre idée, en une phrase").fill(idea)
        phone.get_by_role("button", name="Poster l'idée").click()
    for idea in ideas:
        expect(stage.locator("[data-ideas]")).to_contain_text(idea)
    expect(presenter.locator(".presenter__activity")).to_contain_text("2 idées au mur")
    check_console(presenter, "03-brainstorm")

    # Grouping: the wall locks on every phone; the console holds the grouping panel's slot.
    next_step("Regroupement des idées")
    expect(status).to_contain_text("Le mur d'idées est verrouillé pendant cette étape.")
    for phone in phones:
        expect(phone.locator("[data-board-locked]")).to_be_visible()
    expect(presenter.locator("[data-grouping-slot]")).to_have_count(1)
    check_console(presenter, "04-grouping")

    # The majority-judgment vote opens with the step: a ballot on every phone.
    next_step("Vote au jugement majoritaire")
    expect(status).to_contain_text("Vote ouvert : 2 participant·es peuvent voter.")
    expect(presenter.locator("[data-turnout]")).to_have_text("0 / 2 ont voté")
    for phone in phones:
        expect(phone.get_by_role("radio", name="Excellent").first).to_be_attached()
    session = VoteSession.objects.get(workshop=workshop)
    assert session.state == SessionState.OPEN and session.method == "majority_judgment"
    options = list(session.options.order_by("order").values_list("pk", flat=True))
    for participant, grades in zip(
        Participant.objects.filter(workshop=workshop).order_by("pk"), ([6, 3], [5, 2]), strict=True
    ):
        ballot_cast(
            session=session, voter=participant.user, choices=dict(zip(options, grades, strict=True))
        )
    check_console(presenter, "05-vote-open")

    # Results: the vote closes and its results show on the stage and the phones.
    next_step("Résultats")
    expect(status).to_contain_text(
        "Résultats du vote « Vote au jugement majoritaire » montrés sur l'écran et les téléphones."
    )
    session.refresh_from_db()
    assert session.state == SessionState.CLOSED and session.revealed_at is not None
    expect(presenter.locator("[data-turnout]")).to_have_text("2 / 2 ont voté")
    expect(
        presenter.get_by_role("button", name="Publier les résultats sur le site après l'atelier")
    ).to_be_visible()
    for page in phones:
        expect(page.get_by_text("2 bulletins").first).to_be_visible()
    expect(stage.locator("[data-stage-vote]")).to_have_attribute("data-stage-vote", "results")
    expect(stage.locator(".stage-vote")).to_contain_text(ideas[0])
    check_console(presenter, "06-results")
    shot(presenter, "06-results-full", full_page=True)
    presenter.goto(site(f"{room}animer/"))
    assert_keyboard_basics(presenter, "console", stops=30)


def test_the_step_form_shows_only_what_the_method_needs(site, new_context, workshop, facilitator):
    page = new_context("desktop").new_page()
    sign_in(page, site, facilitator, next_path=f"/ateliers/{workshop.slug}/animer/")
    page.goto(site(f"/ateliers/{workshop.slug}/animer/"))
    vote_fields = page.locator("fieldset[data-show-when='kind=vote']")
    expect(vote_fields).to_be_hidden()
    page.get_by_label("Type d'étape").select_option("vote")
    expect(vote_fields).to_be_visible()
    budget = page.get_by_label("Gommettes par personne")
    expect(budget).to_be_hidden()  # majority judgment by default
    page.get_by_label("Méthode").select_option("dots")
    expect(budget).to_be_visible()
    labels = page.get_by_label("Options, une par ligne (si écrites maintenant)")
    expect(labels).to_be_hidden()
    page.get_by_label("Des options écrites maintenant").check()
    expect(labels).to_be_visible()
    page.get_by_label("Méthode").select_option("poll")
    expect(budget).to_be_hidden()
    page.get_by_label("Titre", exact=True).fill("On continue après la pause ?")
    labels.fill("Oui\nNon")
    page.get_by_role("button", name="Ajouter l'étape").click()
    expect(page.locator("[data-console-status]")).to_have_text(
        "Étape « On continue après la pause ? » ajoutée à la fin du déroulé."
    )
    expect(page.locator(".runsheet")).to_contain_text("On continue après la pause ?")
    expect(page.locator(".runsheet")).to_contain_text("Sondage express")
    shot(page, "07-add-step-laptop", full_page=True)
