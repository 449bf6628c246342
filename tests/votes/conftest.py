"""Fixtures for votes: a live workshop with participants of several colleges, sessions of each method."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory

_counter = itertools.count()


def make_workshop(**kwargs):
    from workshops.models import Workshop

    n = next(_counter)
    defaults = {
        "title": f"Atelier {n}",
        "slug": f"atelier-vote-{n}",
        "join_code": f"V{n:05d}"[-6:],
        "state": "live",
    }
    defaults.update(kwargs)
    return Workshop.objects.create(**defaults)


def join(workshop, user=None, *, college="citizens", role="participant"):
    from workshops.models import Participant

    user = user or UserFactory(college=college)
    Participant.objects.create(workshop=workshop, user=user, college=college, role=role)
    return user


@pytest.fixture
def workshop(db, facilitator):
    ws = make_workshop()
    ws.facilitators.add(facilitator)
    return ws


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


def option_ids(session) -> list[int]:
    return list(session.options.order_by("order", "id").values_list("id", flat=True))
