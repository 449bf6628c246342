from __future__ import annotations

import pytest

from tests.workshops.factories import ParticipantFactory, WorkshopFactory


@pytest.fixture
def workshop(db, facilitator, axis):
    workshop = WorkshopFactory(facilitators=[facilitator])
    workshop.axes.add(axis)
    return workshop


@pytest.fixture
def participant(workshop, user):
    return ParticipantFactory(workshop=workshop, user=user)


@pytest.fixture
def live(workshop, facilitator):
    """The workshop, live, with its default agenda and the first phase running."""
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
