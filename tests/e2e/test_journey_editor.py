"""The editor's journey: a Codev editor reads a vote's results, makes them a
recommendation in one step, finds more sources by searching words (with the keyboard,
seeing what each would bring), adds an action, publishes the recommendation, then the
workshop's summary and its PDF. Screenshots at phone (360) and desktop widths in
test-artifacts/screenshots/journeys/; axe and reflow checked on each.

The summary part is kept short: the summary editor is being reworked on its own branch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    SCREENSHOTS,
    assert_no_axe_violations,
    no_horizontal_scroll,
    screenshot,
    sign_in,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1366, "height": 768}
WORKSHOP = "Friches : de l'inventaire au projet"
IDEAS = [
    "Un guichet unique pour reprendre une friche",
    "Cartographier les friches et leur pollution",
    "Une fête de quartier sur chaque friche",
]
BOARD = "Reconvertir les friches en parcs solaires"
RECOMMENDATION = "Un guichet unique des friches pour l'agglomération"
ACTION = "Ouvrir le guichet unique des friches"


def settle(page: Page) -> None:
    """Two frames after a resize, so that the full-page screenshot is of the new layout (a
    shot taken at once after an htmx swap and a resize left a band unpainted)."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def shots(page: Page, name: str) -> None:
    """The page at phone (360) and desktop widths: a screenshot, axe, no sideways scroll."""
    original = page.viewport_size
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        settle(page)
        screenshot(page, f"journeys/editor-{name}-{size}")
        assert_no_axe_violations(page, f"{name} ({size})")
        no_horizontal_scroll(page, f"{name} ({size})")
    if original:
        page.set_viewport_size(original)


@pytest.fixture
def voted_workshop(axis, facilitator):
    """A public workshop that ran: three ideas (supported), a closed and published support
    vote on them (the guichet first), then closed. And a proposal of the board."""
    from proposals.services import proposal_create, support_add
    from tests.workshops.factories import WorkshopFactory
    from votes.services import (
        ballot_cast,
        session_close,
        session_create,
        session_open,
        session_publish,
    )
    from workshops.models import WorkshopState
    from workshops.services import idea_post, workshop_join, workshop_state_change

    workshop = WorkshopFactory(
        title=WORKSHOP,
        slug="friches-inventaire-projet",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    people = [UserFactory(college=c) for c in ["citizens"] * 4 + ["enterprises"] * 3]
    for person in people:
        workshop_join(workshop=workshop, user=person)
    ideas = [
        idea_post(workshop=workshop, user=people[i], axis=axis, title=title)
        for i, title in enumerate(IDEAS)
    ]
    for supporter in people[3:6]:
        support_add(proposal=ideas[1], user=supporter)
    vote = session_create(
        actor=facilitator,
        title="Quelle piste pour les friches ?",
        method="support",
        workshop=workshop,
        proposals=ideas,
    )
    session_open(session=vote, actor=facilitator)
    options = {o.proposal_id: o.pk for o in vote.options.all()}
    for i, person in enumerate(people):
        chosen = [ideas[0]] + ([ideas[1]] if i % 2 else [])
        ballot_cast(session=vote, voter=person, choices={options[p.pk]: 1 for p in chosen})
    session_close(session=vote, actor=facilitator)
    session_publish(session=vote, actor=facilitator)
    board = proposal_create(author=UserFactory(), axis=axis, title=BOARD, body="Du solaire.")
    for college in ["citizens"] * 3 + ["elected"]:
        support_add(proposal=board, user=UserFactory(college=college))
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.CLOSED)
    return {"workshop": workshop, "vote": vote, "ideas": ideas, "board": board}


def test_editor_from_vote_results_to_published_recommendation_and_pdf(
    site, new_context, voted_workshop, editor, axis, tmp_path
):
    from decisions.models import Recommendation

    page = new_context("desktop").new_page()
    sign_in(page, site, editor)

    # The vote's results, and right under them the way to a recommendation.
    vote = voted_workshop["vote"]
    page.goto(site(f"/votes/{vote.pk}/"))
    expect(page.get_by_role("heading", name="Résultats")).to_be_visible()
    button = page.get_by_role("button", name="Faire de ce résultat une recommandation")
    expect(button).to_be_visible()
    shots(page, "vote-results")
    button.click()

    # A draft, pre-filled: the winning option for title, the ranking for text.
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier la recommandation")
    expect(page.locator("main [name=title]")).to_have_value(IDEAS[0])
    expect(page.locator("main [name=body]")).to_contain_text("1. " + IDEAS[0])
    shots(page, "draft-form")
    page.locator("main [name=title]").fill(RECOMMENDATION)
    page.locator("main [name=rationale]").fill("Le vote de l'atelier l'a placée en tête.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RECOMMENDATION)
    main = page.get_by_role("main")
    expect(main.locator("#sources-panel")).to_contain_text(IDEAS[0])
    expect(main.locator("#sources-panel")).to_contain_text("Quelle piste pour les friches ?")

    # More sources, found by words, with the keyboard: each result says what it brings.
    search = page.get_by_label("Mots à chercher")
    search.fill("friches")
    results = page.locator("#source-results")
    expect(results).to_contain_text("résultats pour « friches »")
    board_hit = results.locator(".source-hit", has_text=BOARD)
    expect(board_hit).to_contain_text("4 soutiens")
    expect(board_hit).to_contain_text("Autres collèges")  # the lone elected is not shown alone
    expect(results.locator(".source-hit", has_text=IDEAS[0])).to_contain_text(
        "Déjà parmi les sources"
    )
    shots(page, "source-search")

    def title_of(button) -> str:
        return button.locator("xpath=ancestor::li").locator(".source-hit__title").inner_text()

    search.focus()
    page.keyboard.press("ArrowDown")
    first = results.locator("[data-pick]").first
    expect(first).to_be_focused()
    first_title = title_of(first)
    page.keyboard.press("Enter")
    expect(page.locator("[data-sources-live]")).to_contain_text(
        re.compile("est ajouté(e)? aux sources")
    )
    expect(page.locator("#sources-panel > section").first).to_contain_text(first_title)
    # The focus stays in the results, on the next « Ajouter »: Enter adds that one too.
    second = page.locator("#source-results [data-pick]").first
    expect(second).to_be_focused()
    second_title = title_of(second)
    page.keyboard.press("Enter")
    expect(page.locator("[data-sources-live]")).to_contain_text(second_title)
    expect(page.locator("#source-results .source-hit", has_text=second_title)).to_contain_text(
        "Déjà parmi les sources"
    )
    # Escape brings the focus back to the words.
    page.locator("#source-results [data-pick]").first.focus()
    page.keyboard.press("Escape")
    expect(search).to_be_focused()
    shots(page, "sources-added")
    recommendation = Recommendation.objects.get(title=RECOMMENDATION)
    linked = set(recommendation.sources.values_list("proposal__title", flat=True))
    assert {IDEAS[0], first_title, second_title} <= linked
    assert BOARD in linked  # the most relevant result came first

    # A source removed with the keyboard too.
    remove = page.get_by_role("button", name=f"Retirer cette source — {second_title}")
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-sources-live]")).to_contain_text("retirée des sources")
    expect(page.locator("#sources-panel > section").first).not_to_contain_text(second_title)
    assert not recommendation.sources.filter(proposal__title=second_title).exists()

    # An action carries it out.
    page.get_by_role("link", name="Ajouter une action").click()
    page.locator("main [name=title]").fill(ACTION)
    page.locator("main [name=description]").fill("Un accueil, un dossier, un suivi.")
    page.locator("main select[name=owner_kind]").select_option("pma")
    page.locator("main [name=owner_name]").fill("Service développement économique")
    page.locator("main [name=due_date]").fill("2027-06-30")
    page.locator("main form").get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ACTION)

    # Adopted, then published.
    page.goto(site(recommendation.get_absolute_url()))
    for status in ("adopted", "published"):
        page.locator("main select[name=status]").select_option(status)
        page.get_by_role("button", name="Appliquer").click()
    expect(page.locator(".status-badge").first).to_have_text("Publiée")
    shots(page, "recommendation-published")

    # The workshop's summary: generated, published, its PDF (kept short: see the docstring).
    page.goto(site("/syntheses/"))
    page.get_by_role("button", name=re.compile(f"Générer le brouillon.*{WORKSHOP[:10]}")).click()
    page.get_by_role("button", name="Publier la synthèse").click()
    link = page.get_by_role("link", name="Télécharger le PDF")
    expect(link).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(RECOMMENDATION)
    shots(page, "summary-published")
    response = page.request.get(site(link.get_attribute("href")))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "synthese.pdf"
    pdf.write_bytes(response.body())
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(pdf)).pages).split())
    assert RECOMMENDATION[:30] in text


def test_the_source_picker_works_without_javascript(site, new_context, voted_workshop, editor):
    from decisions.services import recommendation_create

    recommendation = recommendation_create(
        actor=editor, title=RECOMMENDATION, axis=voted_workshop["board"].axis
    )
    page = new_context("phone", java_script_enabled=False).new_page()
    sign_in(page, site, editor)
    page.goto(site(recommendation.get_absolute_url()))
    page.get_by_label("Mots à chercher").fill("parcs solaires")
    page.get_by_role("button", name="Chercher").click()
    hit = page.locator(".source-hit", has_text=BOARD)
    expect(hit).to_contain_text("4 soutiens")
    hit.get_by_role("button", name=re.compile("Ajouter")).click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text(
        re.compile("est ajouté(e)? aux sources")
    )
    expect(page.locator(".source-hit", has_text=BOARD)).to_contain_text("Déjà parmi les sources")
    expect(page.locator("#sources-panel > section").first).to_contain_text(BOARD)
    # Screenshots only: axe runs as a script (the same page is checked with it above).
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(100)  # no frames to wait for without JavaScript
        screenshot(page, f"journeys/editor-picker-without-javascript-{size}")


def test_an_editor_who_facilitates_makes_a_group_a_recommendation_from_the_console(
    site, new_context, editor, axis
):
    """The console at the clustering step: each group offers it to a Codev editor."""
    from tests.workshops.factories import WorkshopFactory
    from workshops import grouping, steps
    from workshops.models import PhaseKind, WorkshopState
    from workshops.services import idea_post, workshop_join, workshop_state_change

    workshop = WorkshopFactory(title=WORKSHOP, state=WorkshopState.SCHEDULED, facilitators=[editor])
    workshop.axes.add(axis)
    steps.runsheet_apply_template(workshop=workshop, actor=editor, template="brainstorm")
    workshop = workshop_state_change(workshop=workshop, actor=editor, to=WorkshopState.LIVE)
    people = [UserFactory(college="citizens") for _ in IDEAS]
    for person in people:
        workshop_join(workshop=workshop, user=person)
    ideas = [
        idea_post(workshop=workshop, user=person, axis=axis, title=title)
        for person, title in zip(people, IDEAS, strict=True)
    ]
    group = grouping.idea_group_create(
        workshop=workshop, actor=editor, name="Accompagner les porteurs", idea_ids=[ideas[0].pk]
    )
    grouping.idea_group_create(
        workshop=workshop, actor=editor, name="Connaître les friches", idea_ids=[ideas[1].pk]
    )
    clustering = workshop.phases.get(kind=PhaseKind.CLUSTERING)
    steps.step_go_to(workshop=workshop, actor=editor, phase=clustering)

    page = new_context("desktop").new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(page, site, editor)
    page.goto(site(f"/ateliers/{workshop.slug}/animer/"))
    panel = page.locator(f"#groupe-{group.pk}")
    button = panel.get_by_role("button", name=re.compile("Faire de ce groupe une recommandation"))
    expect(button).to_be_visible()
    panel.scroll_into_view_if_needed()
    settle(page)
    (SCREENSHOTS / "journeys").mkdir(parents=True, exist_ok=True)
    page.locator("#regroupement").screenshot(
        path=str(SCREENSHOTS / "journeys" / "editor-console-groups-desktop.png")
    )
    button.click()
    expect(page.locator("main [name=title]")).to_have_value("Accompagner les porteurs")
    expect(page.locator(".linked-sources")).to_contain_text(IDEAS[0])
