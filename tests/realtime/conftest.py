from __future__ import annotations

import pytest

from tests.workshops.factories import ParticipantFactory, WorkshopFactory


@pytest.fixture
async def hub_cleanup():
    """Each async test has its own event loop: give it a fresh hub and a fresh channel layer.

    channels_redis binds its locks and pools to the loop that first used them.
    """
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    yield
    from realtime.hub import close_hub

    await close_hub()
    layer = channel_layers.backends.pop("default", None)
    if layer is not None and hasattr(layer, "close_pools"):
        await layer.close_pools()


@pytest.fixture
def workshop(db, facilitator):
    return WorkshopFactory(facilitators=[facilitator])


@pytest.fixture
def participant(workshop, user):
    return ParticipantFactory(workshop=workshop, user=user)


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
