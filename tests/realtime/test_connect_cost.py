"""What a socket's connect reads (``realtime.consumers._load_access``), and that reading the
participation with the user changes no right: the same answer as Channels' ``get_user``
followed by ``get_workshop_for_user``, in every case."""

from __future__ import annotations

from importlib import import_module

import pytest
from channels.auth import UserLazyObject
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import cache
from django.utils import timezone

from project.errors import DomainError
from realtime.auth import resolve_user
from realtime.consumers import _load_access
from tests.realtime.helpers import session_cookie_for
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops.models import Visibility, WorkshopState
from workshops.selectors import get_workshop_for_user

pytestmark = pytest.mark.django_db


def scope_for(cookie: str | None) -> dict:
    """A socket's scope after the session and (deferred) auth middlewares."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return {"session": store(session_key=cookie), "user": UserLazyObject()}


def outcome(load, cookie, slug):
    scope = scope_for(cookie)
    try:
        access = load(scope, slug)
    except DomainError as error:
        return ("refused", type(error).__name__, error.code, scope["user"].pk)
    return (
        access.workshop.pk,
        access.participant.pk if access.participant else None,
        access.is_facilitator,
        scope["user"].pk,
        scope["user"].is_authenticated,
    )


def reference(scope, slug):
    """Before: Channels' get_user, then get_workshop_for_user."""
    return get_workshop_for_user(resolve_user(scope), slug)


def test_a_participant_connects_in_one_query_after_the_session(
    django_assert_num_queries, facilitator, user
):
    workshop = WorkshopFactory(facilitators=[facilitator])
    participant = ParticipantFactory(workshop=workshop, user=user)
    cookie = session_cookie_for(user)
    scope = scope_for(cookie)
    scope["session"].load()  # the session: from the cache as a sign-in leaves it
    with django_assert_num_queries(1):
        access = _load_access(scope, workshop.slug)
    assert scope["user"].pk == user.pk
    assert (access.workshop.pk, access.participant.pk) == (workshop.pk, participant.pk)
    assert access.is_facilitator is False
    assert access.participant.user is scope["user"]._wrapped


def test_others_cost_no_more_than_before(django_assert_max_num_queries, facilitator):
    workshop = WorkshopFactory(facilitators=[facilitator])
    scope = scope_for(session_cookie_for(facilitator))
    scope["session"].load()
    with django_assert_max_num_queries(3):  # no participation, the user, the workshop
        access = _load_access(scope, workshop.slug)
    assert access.is_facilitator is True


@pytest.mark.parametrize(
    "case",
    [
        "participant",
        "facilitator",
        "facilitating_participant",
        "removed",
        "private_outsider",
        "private_invited",
        "draft_participant",
        "inactive_participant",
        "stale_session_hash",
        "anonymous",
        "other_workshop_participant",
        "unknown_slug",
    ],
)
def test_the_rights_read_at_connect_are_those_of_before(case, facilitator, user, other_user):
    workshop = WorkshopFactory(facilitators=[facilitator])
    slug = workshop.slug
    who = user
    if case == "participant":
        ParticipantFactory(workshop=workshop, user=user)
    elif case == "facilitator":
        who = facilitator
    elif case == "facilitating_participant":
        ParticipantFactory(workshop=workshop, user=facilitator)
        who = facilitator
    elif case == "removed":
        ParticipantFactory(workshop=workshop, user=user, removed_at=timezone.now())
    elif case in ("private_outsider", "private_invited"):
        type(workshop).objects.filter(pk=workshop.pk).update(visibility=Visibility.PRIVATE)
        ParticipantFactory(workshop=workshop, user=user, invited=True)
        who = other_user if case == "private_outsider" else user
    elif case == "draft_participant":
        type(workshop).objects.filter(pk=workshop.pk).update(state=WorkshopState.DRAFT)
        ParticipantFactory(workshop=workshop, user=user)
    elif case == "inactive_participant":
        ParticipantFactory(workshop=workshop, user=user)
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    elif case == "other_workshop_participant":
        ParticipantFactory(workshop=WorkshopFactory(), user=user)
    elif case == "unknown_slug":
        ParticipantFactory(workshop=workshop, user=user)
        slug = "nope"
    cookie = None if case == "anonymous" else session_cookie_for(who)
    if case == "stale_session_hash":
        ParticipantFactory(workshop=workshop, user=user)
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie)
        store[HASH_SESSION_KEY] = "not-the-hash"
        store.save()
    before = outcome(reference, cookie, slug)
    cache.clear()
    if case == "stale_session_hash":  # the reference flushed it: the same session again
        cookie = session_cookie_for(who)
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie)
        store[HASH_SESSION_KEY] = "not-the-hash"
        store.save()
    after = outcome(_load_access, cookie, slug)
    assert after == before
    if case in ("inactive_participant", "stale_session_hash", "anonymous"):
        assert after[3] is None  # connected (or refused) as nobody
