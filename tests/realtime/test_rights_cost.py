"""What reading the rights now costs on the room's hot paths (docs/security.md, hole 4).

Every reaction, hand and idea reads the rights from the database instead of trusting what
the socket loaded when it connected: it must stay cheap when a thousand phones react.
"""

from __future__ import annotations

import pytest

from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops import services

pytestmark = pytest.mark.django_db


def test_a_participants_rights_are_read_in_two_queries(django_assert_num_queries, facilitator):
    workshop = WorkshopFactory(facilitators=[facilitator])
    participant = ParticipantFactory(workshop=workshop)
    with django_assert_num_queries(2):
        fresh, found, facilitates = services.room_rights(workshop, participant.user)
    assert (fresh.pk, found.pk, facilitates) == (workshop.pk, participant.pk, False)


def test_a_facilitator_without_participation_is_read_in_three(
    django_assert_num_queries, facilitator
):
    workshop = WorkshopFactory(facilitators=[facilitator])
    with django_assert_num_queries(3):
        _fresh, found, facilitates = services.room_rights(workshop, facilitator)
    assert (found, facilitates) == (None, True)


def test_a_deactivated_account_facilitates_nothing(facilitator):
    workshop = WorkshopFactory(facilitators=[facilitator])
    type(facilitator).objects.filter(pk=facilitator.pk).update(is_active=False)
    # The object in hand still says active, as a socket's would.
    assert facilitator.is_active
    _fresh, _found, facilitates = services.room_rights(workshop, facilitator)
    assert facilitates is False
