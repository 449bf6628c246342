"""Journey 4: from a workshop to a decision people can check. A Codev editor turns the
most supported ideas of a closed workshop into a recommendation with an action item
and publishes the workshop's decision summary; then a visitor, signed out, follows the
trace from the action item back to the workshop and downloads the summary's PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

IDEAS = [
    ("Un guichet unique pour reprendre une friche", 3),
    ("Cartographier les friches et leur pollution", 2),
    ("Une fête de quartier sur chaque friche", 0),
]
RECOMMENDATION = "Reconquérir les friches industrielles avec un guichet unique"
ACTION = "Ouvrir le guichet unique des friches à l'agglomération"


@pytest.fixture
def closed_workshop(axis, facilitator):
    """A workshop that ran: ideas posted in the room, supports, then closed."""
    from proposals.services import support_add
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState
    from workshops.services import idea_post, workshop_join, workshop_state_change

    workshop = WorkshopFactory(
        title="Friches : de l'inventaire au projet",
        slug="friches-inventaire-projet",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    people = [UserFactory(college=c) for c in ("citizens", "enterprises", "elected")]
    for person in people:
        workshop_join(workshop=workshop, user=person)
    for (title, supports), author in zip(IDEAS, people, strict=True):
        proposal = idea_post(workshop=workshop, user=author, axis=axis, title=title)
        # Supported by the others (one cannot support one's own idea) and a visitor.
        supporters = [p for p in people if p != author] + [UserFactory(college="citizens")]
        for supporter in supporters[:supports]:
            support_add(proposal=proposal, user=supporter)
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.CLOSED)


def test_editor_to_published_decision_and_visitor_trace(
    site, new_context, closed_workshop, editor, axis, tmp_path
):
    page = new_context("desktop").new_page()
    sign_in(page, site, editor)

    # The workshop's ideas on the board, most supported first.
    page.goto(site(f"/propositions/?workshop={closed_workshop.pk}&sort=supported"))
    cards = page.locator(".proposal-card")
    expect(cards.first).to_contain_text(IDEAS[0][0])
    cards.first.get_by_role("link", name=IDEAS[0][0]).click()
    page.get_by_role("button", name="Faire de cette proposition une recommandation").click()

    # A draft from the top idea (its source), then the second found by words and added.
    expect(page.locator("main [name=title]")).to_have_value(IDEAS[0][0])
    page.locator("main [name=title]").fill(RECOMMENDATION)
    page.locator("main select[name=axis]").select_option(value=str(axis.pk))
    page.locator("main [name=body]").fill(
        "Un **interlocuteur unique** pour les porteurs de projets."
    )
    check_page(page, "recommendation-form")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(RECOMMENDATION)
    page.get_by_label("Mots à chercher").fill("cartographier pollution")
    hit = page.locator("#source-results .source-hit", has_text=IDEAS[1][0])
    hit.get_by_role("button", name=re.compile("Ajouter")).click()
    expect(hit).to_contain_text("Déjà parmi les sources")
    for title, _ in IDEAS[:2]:
        expect(page.locator("#sources-panel")).to_contain_text(title)

    # Adopted, then published.
    for status in ("adopted", "published"):
        page.locator("main select[name=status]").select_option(status)
        page.get_by_role("button", name="Appliquer").click()

    # An action item carries it out.
    page.get_by_role("link", name="Ajouter une action").click()
    page.locator("main [name=title]").fill(ACTION)
    page.locator("main [name=description]").fill("Un accueil, un dossier, un suivi.")
    page.locator("main select[name=owner_kind]").select_option("pma")
    page.locator("main [name=owner_name]").fill("Service développement économique")
    page.locator("main [name=lead_name]").fill("Direction de l'aménagement")
    page.locator("main [name=due_date]").fill("2027-06-30")
    check_page(page, "action-form")
    page.locator("main form").get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ACTION)
    action_url = page.url

    # The workshop's decision summary: generated, then published.
    page.goto(site("/syntheses/"))
    page.get_by_role(
        "button", name=re.compile(f"Générer le brouillon.*{closed_workshop.title[:10]}")
    ).click()
    check_page(page, "summary-edit")
    page.get_by_role("button", name="Publier la synthèse").click()
    expect(page.get_by_role("link", name="Télécharger le PDF")).to_be_visible()
    summary_url = page.url
    expect(page.get_by_role("main")).to_contain_text(RECOMMENDATION)

    # A visitor, signed out, from the public action tracker back to the workshop.
    visitor = new_context("phone").new_page()
    visitor.goto(site("/actions/"))
    visitor.get_by_role("link", name=ACTION).first.click()
    expect(visitor).to_have_url(action_url)
    visitor.get_by_role("link", name=re.compile("traçabilité|D'où vient", re.I)).first.click()
    check_page(visitor, "journey-trace")
    main = visitor.get_by_role("main")
    expect(main).to_contain_text(RECOMMENDATION)
    for title, _ in IDEAS[:2]:
        expect(main).to_contain_text(title)
    main.get_by_role("link", name=closed_workshop.title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(closed_workshop.title)

    # And the summary as a PDF.
    visitor.goto(summary_url)
    # The link opens the PDF (inline); fetch it as the browser would, with its cookies.
    href = visitor.get_by_role("link", name="Télécharger le PDF").get_attribute("href")
    response = visitor.request.get(site(href))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf_path = tmp_path / "synthese.pdf"
    pdf_path.write_bytes(response.body())
    assert pdf_path.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages)
    assert RECOMMENDATION[:30] in " ".join(text.split())
