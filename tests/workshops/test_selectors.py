"""The room's access check: the same for the page and the socket, in as few queries as it can."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from project.errors import NotFoundError, PermissionDeniedError
from tests.factories import UserFactory
from workshops.models import Visibility
from workshops.selectors import get_workshop_for_user


@pytest.mark.django_db
def test_a_participant_opening_their_room_costs_one_query(
    live, participant, django_assert_num_queries
):
    with django_assert_num_queries(1):
        access = get_workshop_for_user(participant.user, live.slug)
        assert access.participant.pk == participant.pk
        assert access.workshop.pk == live.pk
        assert access.is_facilitator is False


@pytest.mark.django_db
def test_facilitators_visitors_and_outsiders(live, facilitator, django_assert_num_queries):
    with django_assert_num_queries(2):  # no participation: the workshop on its own
        access = get_workshop_for_user(facilitator, live.slug)
    assert access.is_facilitator is True and access.participant is None
    with django_assert_num_queries(1):
        access = get_workshop_for_user(AnonymousUser(), live.slug)
    assert access.is_facilitator is False
    with pytest.raises(NotFoundError):
        get_workshop_for_user(UserFactory(), "atelier-inexistant")
    live.visibility = Visibility.PRIVATE
    live.save(update_fields=["visibility"])
    with pytest.raises(NotFoundError):  # a private workshop is invisible to outsiders
        get_workshop_for_user(UserFactory(), live.slug)


@pytest.mark.django_db
def test_a_removed_participant_is_refused(live, participant, facilitator):
    from workshops.services import participant_remove

    participant_remove(workshop=live, participant=participant, actor=facilitator)
    with pytest.raises(PermissionDeniedError) as refused:
        get_workshop_for_user(participant.user, live.slug)
    assert refused.value.code == "removed"
