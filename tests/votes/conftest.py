"""Fixtures for votes: a live workshop with participants of several colleges, sessions of each method."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.votes.factories import join
from tests.workshops.factories import WorkshopFactory


@pytest.fixture
def workshop(db, facilitator):
    return WorkshopFactory(facilitators=[facilitator])


@pytest.fixture
def participants(workshop):
    """8 participants: 5 citizens, 2 enterprises, 1 elected."""
    colleges = ["citizens"] * 5 + ["enterprises"] * 2 + ["elected"]
    return [join(workshop, college=c) for c in colleges]


@pytest.fixture
def make_session(workshop, facilitator):
    from votes.services import session_create, session_open

    def factory(method="support", *, open=True, labels=("Vélo", "Tram", "Covoiturage"), **kwargs):
        ws = kwargs.pop("workshop", workshop)
        session = session_create(
            actor=facilitator,
            title=f"Vote {method}",
            method=method,
            workshop=ws,
            labels=labels,
            **kwargs,
        )
        if open:
            session = session_open(session=session, actor=facilitator)
        return session

    return factory


@pytest.fixture
def board_session(db, editor):
    from votes.services import session_create, session_open

    now = timezone.now()
    session = session_create(
        actor=editor,
        title="Priorités du tableau",
        method="support",
        labels=["Hydrogène", "Formation", "Tourisme industriel"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
    )
    return session_open(session=session, actor=editor)
