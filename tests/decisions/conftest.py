from __future__ import annotations

import pytest

from accounts.models import College
from tests.proposals.factories import proposal_make


@pytest.fixture
def make_proposal(db, axis):
    """Proposals through the proposals app's own service, as every caller makes them."""
    counter = {"n": 0}

    def make(author=None, college=College.CITIZENS, **kwargs):
        counter["n"] += 1
        kwargs.setdefault("axis", axis)
        kwargs.setdefault("title", f"Idée numéro {counter['n']}")
        kwargs.setdefault("body", "Un texte.")
        return proposal_make(author=author, college=college, **kwargs)

    return make


@pytest.fixture
def make_recommendation(db, editor, axis):
    from decisions.services import recommendation_create

    def make(proposals=(), **kwargs):
        kwargs.setdefault("title", "Créer une Agence Territoriale de Souveraineté")
        kwargs.setdefault("axis", axis)
        kwargs.setdefault("body", "Coordonner les filières.")
        return recommendation_create(actor=editor, proposals=list(proposals), **kwargs)

    return make


@pytest.fixture
def make_action(db, editor):
    from decisions.services import action_create

    def make(recommendation, **kwargs):
        kwargs.setdefault("title", "Préfigurer l'agence")
        kwargs.setdefault("owner_name", "Pays de Montbéliard Agglomération")
        return action_create(actor=editor, recommendation=recommendation, **kwargs)

    return make


@pytest.fixture
def publish(editor):
    from decisions.services import recommendation_status_change

    def do(recommendation):
        recommendation_status_change(
            recommendation=recommendation, actor=editor, new_status="adopted"
        )
        return recommendation_status_change(
            recommendation=recommendation, actor=editor, new_status="published"
        )

    return do
