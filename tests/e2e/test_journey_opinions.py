"""In the browser: twelve people of four colleges, twenty statements; the last voter
votes one statement at a time (htmx), the map, the groups, the consensus and « ce qui
rassemble » appear without a reload; axe finds nothing on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import check_page, sign_in
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


def test_voting_one_at_a_time_and_the_map_appears_live(site, page, conversation_with_votes):
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
