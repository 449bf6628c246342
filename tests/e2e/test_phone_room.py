"""The room on a phone (360×740, 390×844): whatever is going on, the one thing to do is inside
the first screen — the idea form in a brainstorm, the ballot when a vote opens, the thanks
after voting, the results once revealed. The majority-judgment ballot shows every grade label
whole, one option at a time (« Option 2 / 5 ») and a review before sending. A ballot that
opens while someone types an idea is announced without taking their focus or their draft.
Screenshots: test-artifacts/screenshots/stage/phone-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import SCREENSHOTS, assert_no_axe_violations, sign_in
from tests.e2e.test_stage import on_server
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PHONES = [(360, 740), (390, 844)]
SHOTS = SCREENSHOTS / "stage"
LABELS = [
    "Friche de Beaulieu",
    "Hydrogène à Sochaux",
    "Campus des métiers",
    "Navette autonome",
    "Guichet unique",
]


def in_first_screen(page: Page, selector: str, label: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    box = None
    for _ in range(20):  # a live refresh may replace the block meanwhile
        expect(page.locator(selector).first).to_be_visible()
        box = page.locator(selector).first.bounding_box()
        if box is not None:
            break
        page.wait_for_timeout(100)
    if box is None or box["y"] + min(box["height"], 44) > page.viewport_size["height"]:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone-FAILED-{label}.png"), full_page=True)
    height = page.viewport_size["height"]
    assert box is not None, f"{label}: {selector} is not shown"
    assert box["y"] >= 0 and box["y"] + min(box["height"], 44) <= height, (
        f"{label}: {selector} is at y={box['y']:.0f} (first screen: {height}px)"
    )


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone-{name}.png"))


@pytest.fixture
def room(axis, facilitator):
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from workshops.models import PhaseKind, WorkshopState
    from workshops.services import phase_start, workshop_state_change

    workshop = WorkshopFactory(
        title="PMA 2030 : friches industrielles et mobilité",
        slug="pma-2030-telephone",
        description="Deux heures pour imaginer l'avenir des friches du Pays de Montbéliard : "
        "idées, regroupement, puis un vote au jugement majoritaire.",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    phase_start(
        workshop=workshop, actor=facilitator, phase=workshop.phases.get(kind=PhaseKind.IDEATION)
    )
    workshop.members = [
        ParticipantFactory(workshop=workshop, user=UserFactory(college="citizens")).user
        for _ in range(6)
    ]
    return workshop


@pytest.mark.parametrize("width,height", PHONES, ids=["360x740", "390x844"])
def test_the_phone_shows_the_current_activity_first(
    site, new_context, room, facilitator, width, height
):
    from votes.services import ballot_cast, session_close, session_create, session_open

    me = room.members[0]
    page = new_context("phone").new_page()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, site, me)
    url = site(room.get_absolute_url())
    page.goto(url)  # a live workshop: the activity first, the description folded, one tap away
    expect(page.locator("#room")).to_have_attribute("data-connection", "live")
    expect(page.locator("details.room__about")).not_to_have_attribute("open", "")
    field = page.get_by_label("Votre idée, en une phrase")
    expect(field).to_be_in_viewport()
    about = page.locator("details.room__about summary")
    about.click()
    expect(page.get_by_text("Deux heures pour imaginer")).to_be_visible()
    about.click()
    size = f"{width}x{height}"

    # The stage, on the facilitator's laptop: the same figures as the phone, same labels.
    stage = new_context("desktop").new_page()
    sign_in(stage, site, facilitator)
    stage.goto(site(f"/ateliers/{room.slug}/ecran/"))
    expect(stage.locator("#room")).to_have_attribute("data-connection", "live")
    for screen in (page, stage):
        expect(screen.locator('[data-figure="connected"]').first).to_have_text("1")
        expect(screen.locator('[data-figure="registered"]').first).to_have_text("6")
        # One person connected: the singular (French plural rule, 0 and 1 singular).
        expect(screen.locator("#room")).to_contain_text("1 connecté·e maintenant")
        expect(screen.locator("#room")).to_contain_text("inscrit·es à l'atelier")

    # Brainstorm: the idea form.
    in_first_screen(page, "form.idea-form [name=title]", "brainstorm")
    shot(page, f"01-brainstorm-{size}")

    # A majority-judgment vote opens while an idea is being typed: announced, draft and focus kept.
    title = page.locator("form.idea-form [name=title]")
    title.fill("Un marché de producteurs sur la friche")
    title.focus()

    def open_vote():
        session = session_create(
            actor=facilitator,
            title="Quelle priorité pour 2030 ?",
            method="majority_judgment",
            workshop=room,
            labels=LABELS,
            reveal="at_close",
        )
        return session_open(session=session, actor=facilitator)

    session = on_server(open_vote)
    expect(page.locator("[data-vote-announce]")).to_contain_text(
        "Quelle priorité pour 2030 ?", timeout=15_000
    )
    assert page.evaluate("() => document.activeElement.name") == "title"
    expect(title).to_have_value("Un marché de producteurs sur la friche")
    page.evaluate("() => document.activeElement.blur()")
    expect(page.locator(".ballot__progress")).to_have_text("Option 1 / 5")
    expect(stage.locator("#room")).to_have_attribute("data-mode", "vote", timeout=15_000)
    for screen in (page, stage):
        expect(screen.locator(".vote-turnout__text").first).to_contain_text("0 / 6 ont voté")
    in_first_screen(page, "form[data-ballot] .grade input", "ballot open")
    for label in page.locator(".grade span").all():
        if label.is_visible():
            clipped = label.evaluate(
                "(e) => e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > innerWidth"
            )
            assert not clipped, f"grade label clipped at {size}: {label.inner_text()}"
    grades = page.locator(".grade:visible")
    assert grades.count() == 7
    for box in (g.bounding_box() for g in grades.all()):
        assert box["height"] >= 44 and box["width"] >= 44
    shot(page, f"02-ballot-mj-{size}")
    assert_no_axe_violations(page, f"room, MJ ballot, {size}")

    # One option per card; choosing a grade moves on; the chosen grade keeps its colour.
    for i, grade in enumerate(["Très bien", "Bien", "Excellent", "Passable", "Assez bien"]):
        expect(page.locator(".ballot__progress")).to_have_text(f"Option {i + 1} / 5")
        card = page.locator("fieldset.ballot__grades:visible")
        card.get_by_text(grade, exact=True).click()
        chosen = card.locator(".grade:has(input:checked)")
        assert chosen.evaluate("(e) => getComputedStyle(e).borderColor") != "rgb(200, 208, 221)"
        if i == 0:
            shot(page, f"03-ballot-mj-chosen-{size}")
    page.get_by_role("button", name="Vérifier mon vote").click()
    review = page.locator(".ballot__review")
    expect(review).to_be_visible()
    expect(review).to_contain_text("Friche de Beaulieu")
    expect(review).to_contain_text("Très bien")
    shot(page, f"04-ballot-mj-review-{size}")
    page.get_by_role("button", name="Voter").click()

    # After voting: thanks and the turnout, first.
    expect(page.locator(".vote-thanks")).to_contain_text(
        re.compile(r"Merci, votre vote est enregistré — 1 / 6 ont voté")
    )
    in_first_screen(page, ".vote-thanks", "voted")
    # The stage's turnout follows the live tally: the same figure as the phone.
    expect(stage.locator(".stage-vote .vote-turnout__text")).to_contain_text("1 / 6 ont voté")
    expect(page.locator(".vote-turnout__text").first).to_contain_text("1 / 6 ont voté")
    shot(page, f"05-voted-{size}")

    # Results revealed: first too.
    def reveal():
        from votes.services import session_reveal

        for voter in room.members[1:5]:
            ballot_cast(
                session=session,
                voter=voter,
                choices={o: 4 for o in session.options.values_list("id", flat=True)},
            )
        session_close(session=session, actor=facilitator)
        return session_reveal(session=session, actor=facilitator)

    on_server(reveal)
    page.goto(url)
    expect(page.locator(".vote-results")).to_be_visible()
    in_first_screen(page, ".vote-results h2", "results")
    expect(page.locator(".vote-turnout__text").first).to_contain_text("5 / 6 ont voté")
    shot(page, f"06-results-{size}")

    # Dots: the budget always in sight, − / + of 44 px, a review before sending.
    def open_dots():
        dots = session_create(
            actor=facilitator,
            title="Gommettes",
            method="dots",
            workshop=room,
            labels=LABELS,
            dot_budget=5,
            dot_cap=3,
        )
        return session_open(session=dots, actor=facilitator)

    on_server(open_dots)
    page.goto(url)
    in_first_screen(page, "form[data-ballot='dots'] .ballot__step", "dots")
    # The finished vote folds to one line while this one is open.
    past = page.locator("details.vote-panel__past")
    expect(past).to_have_count(1)
    expect(past).not_to_have_attribute("open", "")
    expect(past.locator("> summary")).to_contain_text("Quelle priorité pour 2030 ?")
    expect(page.locator("p[data-remaining].ballot__remaining")).to_have_text(
        "Gommettes restantes : 5"
    )
    page.get_by_role("button", name="Une gommette de plus pour Friche de Beaulieu").click()
    page.get_by_role("button", name="Une gommette de plus pour Friche de Beaulieu").click()
    expect(page.locator("p[data-remaining].ballot__remaining")).to_have_text(
        "Gommettes restantes : 3"
    )
    shot(page, f"07-ballot-dots-{size}")
    page.get_by_role("button", name="Vérifier mon vote").click()
    expect(page.locator(".ballot__review")).to_contain_text("Friche de Beaulieu")
    page.get_by_role("button", name="Voter").click()
    expect(page.locator(".vote-thanks")).to_be_visible()


def test_without_javascript_the_ballot_is_one_plain_form(site, new_context, room, facilitator):
    from votes.services import session_create, session_open

    session_open(
        session=session_create(
            actor=facilitator,
            title="Quelle priorité pour 2030 ?",
            method="majority_judgment",
            workshop=room,
            labels=LABELS,
        ),
        actor=facilitator,
    )
    page = new_context("phone", java_script_enabled=False).new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, site, room.members[1])
    page.goto(site(room.get_absolute_url()))
    ballot = page.locator("form.ballot--majority_judgment")
    # Every option at once, the send button in sight at the end: no steps without JavaScript.
    expect(ballot.locator("fieldset.ballot__grades:visible")).to_have_count(5)
    expect(ballot.locator(".ballot__progress")).to_have_count(0)
    in_first_screen(page, "form[data-ballot] .grade input", "ballot without JavaScript")
    for option in LABELS:
        ballot.get_by_role("group", name=option).get_by_label("Bien", exact=True).check()
    ballot.get_by_role("button", name="Voter").click()
    expect(page.locator(".vote-thanks")).to_contain_text("Merci, votre vote est enregistré — 1 / 6")
    shot(page, "08-voted-without-javascript-360x740")


def test_reactions_share_the_page_s_one_form_live_and_without_javascript(
    site, new_context, room, facilitator, axis
):
    """Each idea's reaction buttons submit the page's one form (one CSRF token for the page):
    through the socket, on an idea the page had and on one that arrived live, the others'
    phones following; without JavaScript, as a plain POST back to the idea."""
    from workshops.services import idea_post

    first = idea_post(workshop=room, user=room.members[2], axis=axis, title="Friche de Beaulieu")
    me, other = room.members[0], room.members[1]
    page = new_context("phone").new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, site, me)
    page.goto(site(room.get_absolute_url()))
    watcher = new_context("phone").new_page()
    sign_in(watcher, site, other)
    watcher.goto(site(room.get_absolute_url()))
    for screen in (page, watcher):
        expect(screen.locator("#room")).to_have_attribute("data-connection", "live")
    live = on_server(
        lambda: idea_post(
            workshop=room, user=room.members[3], axis=axis, title="Navette vers la gare"
        )
    )
    card = page.locator(f"#idee-{live.pk}")
    expect(card).to_be_visible()
    card.get_by_role("button", name=re.compile("Idée forte")).click()
    expect(card.locator('[data-reaction="strong"]')).to_have_text("1")
    expect(watcher.locator(f'#idee-{live.pk} [data-reaction="strong"]')).to_have_text("1")
    old = page.locator(f"#idee-{first.pk}")
    old.get_by_role("button", name=re.compile("D'accord")).click()
    expect(watcher.locator(f'#idee-{first.pk} [data-reaction="agree"]')).to_have_text("1")
    expect(old.get_by_role("button", name=re.compile("D'accord"))).to_be_focused()
    assert_no_axe_violations(page, "room-reactions")

    plain = new_context("phone", java_script_enabled=False).new_page()
    plain.set_viewport_size({"width": 360, "height": 740})
    sign_in(plain, site, room.members[4])
    plain.goto(site(room.get_absolute_url()))
    plain.locator(f"#idee-{first.pk}").get_by_role("button", name=re.compile("D'accord")).click()
    expect(plain).to_have_url(re.compile(f"#idee-{first.pk}$"))
    expect(plain.locator(f'#idee-{first.pk} [data-reaction="agree"]')).to_have_text("2")
    expect(watcher.locator(f'#idee-{first.pk} [data-reaction="agree"]')).to_have_text("2")
