from __future__ import annotations

import pytest

from accounts.models import College
from tests.factories import UserFactory


def ensure_axes() -> None:
    """Transactional tests flush tables, data migrations included: reload the axes if gone."""
    import importlib

    from django.apps import apps

    from proposals.models import Axis

    if not Axis.objects.exists():
        importlib.import_module("proposals.migrations.0003_load_axes").load_axes(apps, None)


@pytest.fixture
def axis(db):
    from proposals.models import Axis

    ensure_axes()
    return Axis.objects.get(slug="filieres-avenir")


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
