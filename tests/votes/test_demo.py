"""The votes part of seed_demo: a closed, published majority-judgment vote with real ballots."""

from __future__ import annotations

import pytest

from votes import demo, selectors
from votes.models import Ballot, VoteSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(facilitator, axis):
    from accounts.demo import seed as seed_accounts
    from proposals.models import Proposal
    from tests.workshops.factories import WorkshopFactory

    context: dict = {}
    seed_accounts(context)
    workshop = WorkshopFactory()
    author = context["users"]["lucie.citoyenne"]
    ideas = [
        Proposal.objects.create(
            axis=axis,
            title=title,
            author=author,
            author_college="citizens",
            origin_workshop=workshop,
        )
        for title in [
            "Navette hydrogène",
            "Campus des métiers",
            "Friches requalifiées",
            "Tiers-lieu",
        ]
    ]
    context.update(live_workshop=workshop, live_ideas=ideas)
    return context


def test_seed_creates_a_published_majority_judgment_vote_with_results(ctx):
    demo.seed(ctx)
    session = VoteSession.objects.get(workshop=ctx["live_workshop"])
    assert session.method == "majority_judgment" and session.state == "published"
    assert session.options.count() == 4
    ballots = Ballot.objects.filter(session=session).count()
    assert ballots >= 8
    results = selectors.results_compute(session)
    assert results.ballots == ballots
    assert [o["rank"] for o in results.options] == sorted(o["rank"] for o in results.options)
    assert all(sum(o["profile"]) == ballots for o in results.options)


def test_seed_is_idempotent(ctx):
    demo.seed(ctx)
    demo.seed(ctx)
    assert VoteSession.objects.filter(workshop=ctx["live_workshop"]).count() == 1
    session = VoteSession.objects.get(workshop=ctx["live_workshop"])
    first = selectors.results_compute(session).as_dict()
    demo.seed(ctx)
    assert selectors.results_compute(session).as_dict() == first


def test_seed_without_a_live_workshop_does_nothing(db):
    demo.seed({})
    assert not VoteSession.objects.exists()
