from __future__ import annotations

import pytest

from accounts.models import College
from tests.factories import UserFactory, ensure_reference_data
from tests.proposals.factories import proposal_make


@pytest.fixture
def axis(db):
    from proposals.models import Axis

    ensure_reference_data()
    return Axis.objects.get(slug="filieres-avenir")


@pytest.fixture
def make_proposal(db, axis):
    """Create proposals through the service, as every caller does."""
    counter = {"n": 0}

    def make(author=None, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("axis", axis)
        kwargs.setdefault("title", f"Proposition numéro {counter['n']}")
        return proposal_make(author=author, **kwargs)

    return make


@pytest.fixture
def proposal(make_proposal, user):
    return make_proposal(author=user, title="Requalifier les friches industrielles")


@pytest.fixture
def others_proposal(make_proposal, other_user):
    """A proposal ``user`` did not write (one cannot support one's own)."""
    return make_proposal(author=other_user, title="Un tiers-lieu dans chaque quartier")


@pytest.fixture
def enterprise_user(db):
    return UserFactory(college=College.ENTERPRISES)


@pytest.fixture
def private_world(axis, make_proposal):
    """An idea of a private workshop (its member, facilitator and author see it) and a
    public idea."""
    from workshops.models import Participant, Workshop

    workshop = Workshop.objects.create(
        title="Atelier fermé des élu·es",
        slug="atelier-ferme",
        join_code="PRIV42",
        visibility="private",
        state="live",
    )
    member, facilitator, author = UserFactory(), UserFactory(), UserFactory()
    Participant.objects.create(workshop=workshop, user=member, college="citizens")
    Participant.objects.create(workshop=workshop, user=author, college="citizens")
    workshop.facilitators.add(facilitator)
    idea = make_proposal(
        author=author, title="Idée confidentielle de l'atelier", origin_workshop=workshop
    )
    make_proposal(title="Une idée publique du tableau")
    return {
        "workshop": workshop,
        "idea": idea,
        "member": member,
        "facilitator": facilitator,
        "author": author,
    }
