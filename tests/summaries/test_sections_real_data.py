"""Each generated section of a summary, on real data (the seeded demo, and factories where the
demo has none), checked against the neighbour app's own fields.

The summaries app reads workshops, votes and decisions through their selectors and model
types, guessing nothing: a renamed field (``Phase.planned_minutes``, ``Workshop.closed_at``,
``Recommendation.adopted_at``…) raises here instead of turning into « non disponible »."""

from __future__ import annotations

from collections import Counter

import pytest

from decisions.models import CLOSED_ACTION_STATUSES, ActionItem, Recommendation
from proposals.models import Proposal, ProposalStatus
from summaries.generation import _iso
from summaries.models import DecisionSummary
from summaries.services import summary_create_for_workshop, summary_regenerate
from tests.factories import seed_demo
from votes.models import Ballot
from workshops.figures import REGISTERED_Q
from workshops.models import Participant, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(editor):
    """The demo's published summary, its figures generated again from the data as it is."""
    seed_demo()
    # The live demo workshop's (the launch workshop has its own, with no vote).
    summary = DecisionSummary.objects.get(workshop__slug="filieres-avenir-hydrogene-maroquinerie")
    return summary_regenerate(summary=summary, actor=editor)


def test_participation_on_the_demo(demo):
    section = demo.data["participation"]
    registered = Participant.objects.filter(REGISTERED_Q, workshop=demo.workshop)
    assert section["available"] is True
    assert section["total"] == registered.count() > 0
    attendance = Counter(registered.values_list("attendance", flat=True))
    assert (section["on_site"], section["online"]) == (attendance["on_site"], attendance["online"])
    assert sum(row["total"] for row in section["by_college"]) == section["total"]


def test_agenda_on_the_demo_is_the_phases_as_they_ran(demo):
    section = demo.data["agenda"]
    ran = list(
        Phase.objects.filter(workshop=demo.workshop, started_at__isnull=False).order_by("order")
    )
    assert ran, "the demo's live workshop has begun its first phase"
    assert section["kind"] == "phases"
    assert [
        (item["title"], item["planned_minutes"], item["started_at"]) for item in section["items"]
    ] == [(phase.title, phase.planned_minutes, _iso(phase.started_at)) for phase in ran]
    # Every planned duration read (the field is ``planned_minutes``, never guessed).
    assert all(isinstance(item["planned_minutes"], int) for item in section["items"])


def test_agenda_without_phases_gives_the_rooms_real_times(held_workshop, editor):
    from datetime import timedelta

    from django.utils import timezone

    opened = timezone.now() - timedelta(hours=2)
    type(held_workshop).objects.filter(pk=held_workshop.pk).update(
        started_at=opened, closed_at=opened + timedelta(minutes=95)
    )
    held_workshop.refresh_from_db()
    section = summary_create_for_workshop(actor=editor, workshop=held_workshop).data["agenda"]
    assert section["kind"] == "schedule"
    assert section["started_at"] == _iso(held_workshop.started_at)
    assert section["closed_at"] == _iso(held_workshop.closed_at)


def test_ideas_on_the_demo(demo):
    section = demo.data["ideas"]
    public = Proposal.objects.public().filter(origin_workshop=demo.workshop)
    assert section["available"] is True
    assert section["total"] == public.count() > 0
    top = public.order_by("-support_count", "-created_at").first()
    assert section["top"][0]["title"] == top.title
    assert section["top"][0]["supports"] == top.support_count


def test_votes_on_the_demo(demo):
    from votes.models import SessionState, VoteSession

    sessions = demo.data["votes"]["sessions"]
    finished = VoteSession.objects.results_public().filter(
        workshop=demo.workshop, state__in=[SessionState.CLOSED, SessionState.PUBLISHED]
    )
    assert [s["id"] for s in sessions] == list(
        finished.order_by("closed_at", "pk").values_list("pk", flat=True)
    )
    assert sessions, "the demo's workshop held a vote"
    for item in sessions:
        assert item["voters"] == Ballot.objects.filter(session_id=item["id"]).count() > 0
        assert item["results"] and item["results"][0]["score"]


def test_recommendations_on_the_demo(demo):
    items = demo.data["recommendations"]["items"]
    assert items, "the demo's ideas became a recommendation"
    for item in items:
        rec = Recommendation.objects.get(pk=item["id"])
        assert rec.is_public and not item["included"]
        assert (item["adopted_at"], item["body_html"]) == (_iso(rec.adopted_at), rec.body_html)


def test_votes_read_from_the_votes_app(voted_workshop, editor):
    session = voted_workshop.vote_session
    [item] = summary_create_for_workshop(actor=editor, workshop=voted_workshop).data["votes"][
        "sessions"
    ]
    assert item["title"] == session.title
    assert item["voters"] == Ballot.objects.filter(session=session).count() == 5
    assert item["method_label"] == str(session.get_method_display())
    assert item["closed_on"] is not None


def test_recommendations_read_from_decisions(decided_workshop, editor):
    rec = Recommendation.objects.get(pk=decided_workshop.recommendation.pk)
    section = summary_create_for_workshop(actor=editor, workshop=decided_workshop).data[
        "recommendations"
    ]
    [item] = section["items"]
    assert item["adopted_at"] == _iso(rec.adopted_at) and item["adopted_at"] is not None
    assert item["body_html"] == rec.body_html and "inventaire ouvert" in item["body_html"]
    first = ActionItem.objects.filter(recommendation=rec).order_by("due_date", "pk").first()
    assert (item["actions"][0]["title"], item["actions"][0]["owner"]) == (
        first.title,
        first.owner_name,
    )
    assert section["pending"] == 1


def test_next_steps_on_the_demo(demo):
    section = demo.data["next_steps"]
    under_review = (
        Proposal.objects.public()
        .filter(
            origin_workshop=demo.workshop,
            status__in=[
                ProposalStatus.SUBMITTED,
                ProposalStatus.UNDER_REVIEW,
                ProposalStatus.SHORTLISTED,
            ],
        )
        .count()
    )
    assert section["under_review"] == under_review > 0
    for action in section["actions"]:
        assert action["status"] not in CLOSED_ACTION_STATUSES
