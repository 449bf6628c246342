"""Open data and summaries publish only what the pages show (docs/security.md, hole 1).

A private workshop's vote and a vote closed but not yet revealed stayed out of the pages and
the API (404, 403 ``results_hidden``) but reached ``/donnees/resultats-votes.csv`` and period
summaries. The rules are now querysets (``Workshop.objects.publicly_visible()``,
``VoteSession.objects.results_public()``) read by every output.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from project.errors import DomainError
from summaries import vote_results
from summaries.services import summary_create, summary_create_for_workshop, summary_publish
from tests.summaries.hidden import CONTROL_MARKERS, PERIOD, hidden_world, leaks
from votes import services as votes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(facilitator):
    return hidden_world(facilitator)


def _csv(client, slug="resultats-votes") -> list[dict]:
    response = client.get(f"/donnees/{slug}.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_votes_dataset_leaves_out_private_and_unrevealed_votes(world, client):
    rows = _csv(client)
    ids = {int(r["vote_id"]) for r in rows}
    assert world.control_vote.pk in ids  # the control: a public vote shown live
    assert {r["option"] for r in rows} >= set(CONTROL_MARKERS)
    assert world.private_vote.pk not in ids
    assert world.unrevealed_vote.pk not in ids
    body = client.get("/donnees/resultats-votes.json")
    text = b"".join(body.streaming_content).decode()
    assert leaks(text) == []
    assert {d["vote_id"] for d in json.loads(text)["donnees"]} == ids


def test_a_vote_enters_open_data_when_its_facilitator_reveals_it(world, client, facilitator):
    votes.session_reveal(session=world.unrevealed_vote, actor=facilitator)
    ids = {int(r["vote_id"]) for r in _csv(client)}
    assert world.unrevealed_vote.pk in ids
    assert world.private_vote.pk not in ids


def test_results_for_workshops_never_returns_hidden_votes_even_when_asked(world):
    from workshops.models import Workshop

    asked = Workshop.objects.filter(
        pk__in=[world.private_workshop.pk, world.public_workshop.pk, world.draft_workshop.pk]
    )
    sessions = vote_results.results_for_workshops(asked, with_chart=False)
    assert [s["id"] for s in sessions] == [world.control_vote.pk]


def test_a_period_summary_covers_public_workshops_only(world, editor, client):
    summary = summary_create(
        actor=editor, scope="period", period_start=PERIOD[0], period_end=PERIOD[1]
    )
    draft = json.dumps(summary.data, ensure_ascii=False)
    assert leaks(draft) == []
    assert "Atelier ouvert des berges" in draft
    assert CONTROL_MARKERS[0] in draft
    # Participants of the private workshop are not counted either: 6 people, in one workshop.
    assert summary.data["participation"]["total"] == len(world.voters)
    version = summary_publish(summary=summary, actor=editor)
    page = client.get(f"/syntheses/{summary.slug}/").content.decode()
    assert "Atelier ouvert des berges" in page
    assert leaks(page) == []
    assert leaks(json.dumps(version.data, ensure_ascii=False)) == []


def test_an_axis_summary_covers_public_workshops_only(world, editor):
    summary = summary_create(actor=editor, scope="axis", axis=world.public_workshop.axes.get())
    assert leaks(json.dumps(summary.data, ensure_ascii=False)) == []
    assert CONTROL_MARKERS[0] in json.dumps(summary.data, ensure_ascii=False)


def test_a_private_workshop_gets_no_public_summary(world, editor):
    from summaries.models import DecisionSummary

    with pytest.raises(DomainError) as caught:
        summary_create_for_workshop(actor=editor, workshop=world.private_workshop)
    assert caught.value.code == "workshop_not_public"
    with pytest.raises(DomainError):
        summary_create(actor=editor, scope="workshop", workshop=world.private_workshop)
    assert not DecisionSummary.objects.exists()


def test_a_public_workshops_summary_leaves_out_its_unrevealed_vote(world, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=world.public_workshop)
    titles = [s["title"] for s in summary.data["votes"]["sessions"]]
    assert titles == [world.control_vote.title]
    assert leaks(json.dumps(summary.data, ensure_ascii=False)) == []
