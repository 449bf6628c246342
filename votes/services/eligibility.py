"""Who may vote, read under lock: the voters' rows with the college their ballot counts in.

One query per batch of ballots, whatever its size: the voters' rows locked (an account
deletion, which locks the row too, happens either before — the ballot is refused — or
after, and unlinks it), annotated with what the rules need.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When

from workshops.models import Participant, Workshop
from workshops.rules import can_see_workshop

# Per voter: (the college their ballot counts in or None, whether they may see the workshop).
Colleges = dict[int, tuple[str | None, bool]]


def lock_voters(voter_ids: list[int], workshop_id: int | None) -> Colleges:
    """Lock the voters' rows (still active accounts; in primary-key order, so that two
    batches never wait for each other in a circle) and return, per voter, the college
    their ballot counts in and whether they may see the vote's workshop.

    The college: their participation's in a workshop (None if they are not an active
    participant), their own in a board session (None if theirs is not a confirmed
    account: a guest, or no verified e-mail — votes.rules.can_vote). Whether they may see
    the workshop: ``workshops.rules.can_see_workshop``, the rule the pages and the API
    apply, fed from the same query (always True on the board). Absent: no longer an
    active account. One query."""
    users = (
        get_user_model()
        .objects.filter(pk__in=voter_ids, is_active=True, deleted_at__isnull=True)
        .order_by("pk")
    )
    if workshop_id is None:
        return _board_voters(users)
    return _workshop_voters(users, workshop_id)


def _board_voters(users) -> Colleges:
    confirmed = Q(is_guest=False) & Exists(
        EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True)
    )
    return {
        pk: (college, True)
        for pk, college in users.select_for_update()
        .annotate(board_college=Case(When(confirmed, then=F("college")), default=Value(None)))
        .values_list("pk", "board_college")
    }


def _workshop_voters(users, workshop_id: int) -> Colleges:
    workshop = Workshop.objects.filter(pk=workshop_id)
    participation = Participant.objects.filter(workshop_id=workshop_id, user_id=OuterRef("pk"))
    rows = (
        users.select_for_update(of=("self",))
        .annotate(
            participant_college=Subquery(
                participation.filter(removed_at__isnull=True).values("college")[:1]
            ),
            removed_on=Subquery(
                participation.filter(removed_at__isnull=False).values("removed_at")[:1]
            ),
            facilitates=Exists(
                Workshop.facilitators.through.objects.filter(
                    workshop_id=workshop_id, user_id=OuterRef("pk")
                )
            ),
            workshop_visibility=Subquery(workshop.values("visibility")[:1]),
            workshop_state=Subquery(workshop.values("state")[:1]),
        )
        .values_list(
            "pk",
            "participant_college",
            "removed_on",
            "facilitates",
            "workshop_visibility",
            "workshop_state",
        )
    )
    # The rule once per distinct case, not once per voter (two model instances each:
    # py-spy, 70 % of a 250-ballot batch's checks on SQLite).
    seen: dict[tuple, bool] = {}
    result: Colleges = {}
    for pk, college, removed_on, facilitates, visibility, state in rows:
        case = (college is not None, removed_on is not None, bool(facilitates), visibility, state)
        if case not in seen:
            seen[case] = _may_see_workshop(
                workshop_id, removed_on, facilitates, visibility, state, present=case[0]
            )
        result[pk] = (college, seen[case])
    return result


def _may_see_workshop(
    workshop_id, removed_at, facilitates, visibility, state, *, present: bool
) -> bool:
    """``can_see_workshop`` on what ``lock_voters`` read (no query of its own)."""
    if present:
        participant = Participant(workshop_id=workshop_id)
    elif removed_at is not None:
        participant = Participant(workshop_id=workshop_id, removed_at=removed_at)
    else:
        participant = None
    workshop = Workshop(pk=workshop_id, visibility=visibility, state=state)
    return can_see_workshop(None, workshop, participant, facilitator=bool(facilitates))
