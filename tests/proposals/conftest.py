from __future__ import annotations

import pytest

from accounts.models import College
from tests.factories import UserFactory


@pytest.fixture
def make_proposal(db, axis):
    """Create proposals through the service, as every caller does."""
    from proposals.services import proposal_create

    counter = {"n": 0}

    def make(author=None, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("axis", axis)
        kwargs.setdefault("title", f"Proposition numéro {counter['n']}")
        kwargs.setdefault("body", "Un texte **en Markdown**.")
        return proposal_create(author=author or UserFactory(), **kwargs)

    return make


@pytest.fixture
def proposal(make_proposal, user):
    return make_proposal(author=user, title="Requalifier les friches industrielles")


@pytest.fixture
def enterprise_user(db):
    return UserFactory(college=College.ENTERPRISES)
