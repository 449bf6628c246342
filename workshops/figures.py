"""The room's three head-counts, defined once. Every screen that shows one of them —
the stage, the room, the facilitator's console, the results page, the summary — takes it
from here and says which one it shows, with the label below.

- ``connected`` « connecté·es maintenant »: distinct participants (facilitators apart) whose
  page holds a socket open to the room at this moment (``realtime.presence``). Only known
  live: a page renders it empty and the socket's ``presence`` frame (``data.total``) fills it.
- ``registered`` « inscrit·es à l'atelier »: the workshop's participants, not removed.
  This is who may vote, so it is every vote's denominator.
- ``voters`` « votant·es »: the ballots of one vote session (one per voter).

Before this module a turnout read « N votes sur <connected> » while the live presence was
known and « N votes sur <registered> » otherwise, and presence frames overwrote the number
of registered participants in place: the same box read 2, then 15, then 0.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from realtime.presence import count
from votes.models import Ballot
from workshops.models import Participant

CONNECTED = "connected"
REGISTERED = "registered"
VOTERS = "voters"

LABELS = {
    CONNECTED: _("connecté·es maintenant"),
    REGISTERED: _("inscrit·es à l'atelier"),
    VOTERS: _("votant·es"),
}

IDEAS = "ideas"


def counted_label(key: str, n: int) -> str:
    """The label after a count of ``n``, agreeing with it (« 1 inscrit·e à l'atelier »,
    « 0 connecté·e maintenant », « 2 idées »). ``LABELS`` are the headings' plurals."""
    return {
        CONNECTED: ngettext("connecté·e maintenant", "connecté·es maintenant", n),
        REGISTERED: ngettext("inscrit·e à l'atelier", "inscrit·es à l'atelier", n),
        VOTERS: ngettext("votant·e", "votant·es", n),
        IDEAS: ngettext("idée", "idées", n),
    }[key]


# The filter of a registered participant, for queries over participants (summaries).
REGISTERED_Q = Q(removed_at__isnull=True)


def registered_count(workshop_id: int | None) -> int | None:
    """« inscrit·es à l'atelier » (None outside a workshop: a board vote is open to all)."""
    if workshop_id is None:
        return None

    return Participant.objects.filter(REGISTERED_Q, workshop_id=workshop_id).count()


def voters_count(session) -> int:
    """« votant·es »: ballots of this vote session."""
    return Ballot.objects.filter(session=session).count()


def connected_count(members) -> int:
    """« connecté·es maintenant », from the room's presence entries."""
    return count(members)["total"]


def room_figures(workshop, session=None, *, connected: int | None = None) -> dict[str, Any]:
    """The figures a screen shows, with their labels: ``{key: {"value", "label"}}``."""
    figures: dict[str, Any] = {
        CONNECTED: connected,
        REGISTERED: registered_count(workshop.pk),
    }
    if session is not None:
        figures[VOTERS] = voters_count(session)
    return {key: {"value": value, "label": LABELS[key]} for key, value in figures.items()}
