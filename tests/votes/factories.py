"""Builders for the votes' tests: people joining a workshop in a college, a session's option
ids in their order. Workshops come from tests/workshops/factories.py."""

from __future__ import annotations

from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory


def join(workshop, user=None, *, college="citizens", role="participant"):
    """A participant of ``workshop`` in ``college`` (a new person unless ``user`` is given)."""
    user = user or UserFactory(college=college)
    ParticipantFactory(workshop=workshop, user=user, college=college, role=role)
    return user


def option_ids(session) -> list[int]:
    """The ids of the session's options, in their order on the ballot."""
    return list(session.options.order_by("order", "id").values_list("id", flat=True))
