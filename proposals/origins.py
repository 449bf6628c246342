"""What proposals asks of the workshop an idea was posted in: an explicit, small interface.

The room's ideas are proposals, so ``workshops`` imports ``proposals`` and never the reverse
(tests/project/test_import_direction.py fails on any import of ``workshops`` under
``proposals/``). A proposal row already holds its origin (``origin_workshop``, a foreign key
named by string); what only the workshop can answer — is it public, may this member see it,
which rooms is this person in, post an idea in it with the room's checks — goes through the
hooks below, which ``workshops`` registers in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@dataclass(frozen=True)
class OriginRooms:
    """The workshop app's answers, as plain callables."""

    # workshop -> whether anyone may see it (public, past its draft).
    is_public: Callable[[Any], bool]
    # (signed-in user, workshop) -> whether the room's own rule lets this person see it.
    member_can_see: Callable[[Any, Any], bool]
    # () -> the ids (a ``values("pk")`` query) of the workshops anyone may see.
    public_ids: Callable[[], QuerySet]
    # signed-in user -> ``values("workshop_id")`` queries of the rooms this person belongs to
    # (as a participant not removed, as a facilitator).
    member_ids: Callable[[Any], Sequence[QuerySet]]
    # The room's own service for posting an idea (keywords: workshop, user, axis, title, body,
    # client_key), with its checks: participant, live, wall not locked.
    post_idea: Callable[..., Any]


_rooms: OriginRooms | None = None


def register(rooms: OriginRooms) -> None:
    """Called once by ``workshops.apps.WorkshopsConfig.ready``."""
    global _rooms
    _rooms = rooms


def rooms() -> OriginRooms:
    if _rooms is None:
        raise ImproperlyConfigured(
            "proposals.origins: no workshop hooks registered (is 'workshops' in INSTALLED_APPS?)"
        )
    return _rooms
