from __future__ import annotations

import pytest


@pytest.fixture
def axis(db):
    """Axis 3 (transactional tests flush the data migration's rows: recreate it if needed)."""
    from proposals.models import Axis

    axis, _ = Axis.objects.get_or_create(
        slug="filieres-avenir",
        defaults={
            "number": 3,
            "title": "Filières d'avenir",
            "short_title": "Filières d'avenir",
            "order": 3,
        },
    )
    return axis


@pytest.fixture
def live_room(transactional_db, facilitator, axis):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop = WorkshopFactory(state=WorkshopState.SCHEDULED, facilitators=[facilitator])
    workshop.axes.add(axis)
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
