"""In the browser: twelve people of four colleges, twenty statements; the last voter
votes one statement at a time (htmx), the map, the groups, the consensus and « ce qui
rassemble » appear without a reload; axe finds nothing on the page. Then a Codev editor
makes one statement of « ce qui rassemble » a recommendation in one click, and its trace
page shows the statement, its conversation and its agreement by group and by college."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SCREENSHOTS, assert_no_axe_violations, check_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def conversation_with_votes(axis, facilitator):
    from opinions import services

    colleges = ["citizens", "enterprises", "elected", "civil_society"]
    people = [UserFactory(college=colleges[i % 4]) for i in range(11)]
    conversation = services.conversation_create(
        actor=facilitator, question="Comment attirer les jeunes vers l'industrie ?", axis=axis
    )
    statements = [
        services.statement_create(
            conversation=conversation, author=facilitator, text=f"Affirmation numéro {i}"
        )
        for i in range(20)
    ]
    for i, person in enumerate(people):
        camp = 1 if i < 6 else -1
        for j, statement in enumerate(statements):
            services.vote_cast(statement=statement, user=person, value=1 if j >= 10 else camp)
    return conversation


SIZES = {"360x780": (360, 780), "1366x768": (1366, 768), "1920x1080": (1920, 1080)}


def shoot(page, name: str) -> None:
    """The page at the phone, laptop and projector sizes (test-artifacts/, not committed)."""
    folder = SCREENSHOTS / "opinions"
    folder.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(original)


def test_voting_one_at_a_time_and_the_map_appears_live(
    site, page, new_context, conversation_with_votes, editor
):
    me = UserFactory(display_name="Inès", college="elected")
    url = conversation_with_votes.get_absolute_url()
    sign_in(page, site, me, next_path=url)
    page.goto(site(url))
    expect(page.get_by_role("heading", name="Votez, une affirmation à la fois")).to_be_visible()
    for _ in range(20):
        card = page.locator("#vote-card")
        statement = card.locator("blockquote").inner_text()
        number = int(statement.rsplit(" ", 1)[-1])
        name = "D'accord" if number >= 10 or number % 2 else "Pas d'accord"
        card.get_by_role("button", name=name, exact=True).click()
        expect(
            page.locator("#vote-card blockquote, #vote-card p[data-focus-after-vote]")
        ).to_be_focused()
    expect(page.locator("#vote-card")).to_contain_text("Vous avez voté sur toutes les affirmations")
    # The analysis runs in the server's background thread; the map polls for it.
    expect(page.get_by_role("heading", name="Ce qui rassemble")).to_be_visible(timeout=30_000)
    expect(page.locator("svg.opinion-svg")).to_be_visible()
    expect(page.locator(".opinion-dot--me")).to_have_count(1)
    # The dots are spread over the map (SVG numbers, never "12,5" in French).
    xs = {float(c.get_attribute("cx")) for c in page.locator("circle.opinion-dot").all()}
    assert len(xs) >= 2
    expect(page.get_by_role("table").first).to_contain_text("Groupe A")
    expect(page.locator("#consensus")).to_contain_text("Affirmation numéro 15")
    check_page(page, "opinion-map")
    shoot(page, "map")

    # --- a Codev editor: one statement of « ce qui rassemble » becomes a recommendation ----
    desk = new_context("desktop").new_page()
    url = conversation_with_votes.get_absolute_url()
    sign_in(desk, site, editor, next_path=url)
    desk.goto(site(url))
    unites = desk.locator(".opinion-unites")
    expect(unites).to_be_visible(timeout=30_000)
    button = unites.get_by_role("button", name=re.compile("^En faire une recommandation")).first
    text = button.get_attribute("aria-label").split(" : ", 1)[1]
    button.click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(text)
    expect(desk.locator("body")).to_contain_text("Recommandation en brouillon créée")
    from decisions.models import Recommendation

    recommendation = Recommendation.objects.get()
    desk.goto(site(f"/recommandations/{recommendation.pk}/trace/"))
    statements = desk.locator("#affirmations")
    expect(statements).to_contain_text(f"« {text} »")
    expect(statements.get_by_role("link", name=conversation_with_votes.question)).to_be_visible()
    table = statements.get_by_role("table")
    expect(table).to_contain_text("Groupe A")
    expect(table).to_contain_text("Groupe B")
    expect(table).to_contain_text("Élu·es")
    # Two people of civil society: never a line of their own (the smallest college joins them).
    expect(table).to_contain_text("Autres collèges")
    expect(table).not_to_contain_text("Société civile")
    assert_no_axe_violations(desk, "trace page with a statement")
    shoot(desk, "trace")
    # Back on the map: the statement now links to its recommendation's trace.
    desk.goto(site(url))
    expect(
        desk.locator(".opinion-unites").get_by_role("link", name="source d'une recommandation")
    ).to_have_count(1)


def test_an_opinion_step_live_on_the_stage_and_the_phones(site, new_context, axis, facilitator):
    """A live workshop's opinion step: the stage waits, then draws the map, the groups, « ce
    qui rassemble » and the consensus as the votes arrive (no reload: opinions.analysis over
    the room's socket); a phone votes one statement at a time in the room."""
    from opinions import services as opinion_services
    from opinions.models import Conversation
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from workshops import services, steps
    from workshops.models import PhaseKind, WorkshopState

    workshop = WorkshopFactory(
        title="Attirer les jeunes vers l'industrie",
        slug="jeunes-industrie",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = services.workshop_state_change(
        workshop=workshop, actor=facilitator, to=WorkshopState.LIVE
    )
    step = steps.step_add(
        workshop=workshop,
        actor=facilitator,
        kind=PhaseKind.OPINIONS,
        title="Comment attirer les jeunes vers l'industrie ?",
        position="after_current",
    )
    steps.step_go_to(workshop=workshop, actor=facilitator, phase=step)
    conversation = Conversation.objects.get(pk=step.config["conversation"])
    colleges = ["citizens", "enterprises", "elected", "civil_society"]
    people = [UserFactory(college=colleges[i % 4]) for i in range(11)]
    for person in people:
        ParticipantFactory(workshop=workshop, user=person)
    statements = [
        opinion_services.statement_create(
            conversation=conversation, author=facilitator, text=f"Affirmation numéro {i}"
        )
        for i in range(20)
    ]

    stage = new_context("desktop").new_page()
    sign_in(stage, site, facilitator, next_path=f"/ateliers/{workshop.slug}/ecran/")
    stage.goto(site(f"/ateliers/{workshop.slug}/ecran/"))
    expect(stage.locator("#room")).to_have_attribute("data-connection", "live")
    screen = stage.locator('[data-screen="opinions"]')
    expect(screen).to_be_visible()
    expect(screen).to_contain_text("La carte apparaîtra")

    phone_user = UserFactory(display_name="Inès", college="elected")
    ParticipantFactory(workshop=workshop, user=phone_user)
    phone = new_context("phone").new_page()
    sign_in(phone, site, phone_user, next_path=f"/ateliers/{workshop.slug}/")
    phone.goto(site(f"/ateliers/{workshop.slug}/"))
    card = phone.locator("[data-opinion-step] #vote-card")
    expect(card).to_contain_text("20 affirmations à voter")
    card.get_by_role("button", name="D'accord", exact=True).click()
    expect(phone.locator("[data-opinion-step] #vote-card")).to_contain_text(
        "19 affirmations à voter"
    )

    # The room votes (eleven people): the analysis runs in the background, the stage follows.
    for i, person in enumerate(people):
        camp = 1 if i < 6 else -1
        for j, statement in enumerate(statements):
            opinion_services.vote_cast(
                statement=statement, user=person, value=1 if j >= 10 else camp
            )
    expect(screen.locator("svg.opinion-svg")).to_be_visible(timeout=30_000)
    expect(screen.locator("polygon.opinion-hull")).to_have_count(2)
    expect(screen).to_contain_text("Groupe A ·")
    expect(screen.get_by_role("heading", name="Ce qui rassemble")).to_be_visible()
    expect(screen.locator(".stage-opinions__unites li").first).to_contain_text("Affirmation")
    expect(screen).to_contain_text("tous d'accord")
    assert_no_axe_violations(stage, "stage, opinion step")
    folder = SCREENSHOTS / "opinions"
    folder.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in SIZES.items():
        stage.set_viewport_size({"width": width, "height": height})
        stage.screenshot(path=str(folder / f"stage-{label}.png"))
    phone.screenshot(path=str(folder / "room-phone-360x780.png"), full_page=True)
