"""Writes on votes: sessions (create, open, close, reveal, publish), ballots, moderation.

Views, the API and the socket actions all call these; each checks its
permissions itself (``votes.rules``) and raises ``DomainError``.

Integrity of ballots:

- one ballot per voter per session is the ``ballot_unique_per_voter``
  constraint; a ballot is created with ``INSERT … ON CONFLICT DO NOTHING`` and
  then locked, so simultaneous submissions from several tabs or processes
  serialise on that row and the last one wins whole (choices replaced in the
  same transaction: nobody ever sees half a ballot, and a dot budget checked
  under the lock cannot be overspent by two concurrent submissions);
- closing is final: a ballot takes a shared lock on its session row and
  re-reads the state under it, and closing takes the exclusive lock, so a
  ballot either commits before the close or sees the session closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import audit_record
from ops import metrics
from project.errors import DomainError, PermissionDeniedError
from project.text import clean_line
from votes import live, rules, selectors, tally
from votes.models import (
    ANSWER_MAX_LENGTH,
    AnswerWord,
    Ballot,
    BallotChoice,
    Method,
    Reveal,
    SessionState,
    VoteOption,
    VoteSession,
)

MAX_OPTIONS = 40
MIN_OPTIONS = {Method.POLL: 2, Method.SUPPORT: 1, Method.DOTS: 1, Method.MAJORITY_JUDGMENT: 1}


# --- Broadcast -----------------------------------------------------------------


def _broadcast(
    session: VoteSession, event_type: str, data: dict, *, audience: str = "room"
) -> None:
    if session.workshop_id is None:
        return
    from realtime.broadcast import broadcast_on_commit

    broadcast_on_commit(session.workshop_id, event_type, data, audience=audience)


def session_public_data(session: VoteSession) -> dict[str, Any]:
    """What every participant may know about a session (no results)."""
    return {
        "id": session.pk,
        "title": session.title,
        "question": session.question,
        "method": session.method,
        "state": session.state,
        "reveal": session.reveal,
        "max_choices": session.max_choices,
        "dot_budget": session.dot_budget,
        "dot_cap": session.dot_cap,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "results_revealed": rules.results_revealed(session),
        "options": [
            {
                "id": o["id"],
                "label": o["label"],
                "proposal": o["proposal_id"],
                "description": o["description"],
            }
            for o in VoteOption.objects.filter(session=session)
            .order_by("order", "id")
            .values("id", "label", "proposal_id", "description")
        ]
        if session.method != Method.OPEN_QUESTION
        else [],
    }


# --- Sessions ------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = clean_line(title, max_length=200)
    if not title:
        raise DomainError("invalid_title", _("Donnez un titre au vote."), field="title")
    return title


@transaction.atomic
def session_create(
    *,
    actor,
    title: str,
    method: str,
    workshop=None,
    axis=None,
    question: str = "",
    reveal: str = Reveal.LIVE,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    max_choices: int | None = None,
    dot_budget: int = 5,
    dot_cap: int = 3,
    proposals: Iterable = (),
    labels: Iterable[str] = (),
    groups: Iterable = (),
    request=None,
) -> VoteSession:
    """A draft session with its options (proposals first, then free labels, then groups).

    A group of ideas of the workshop's wall (``workshops.IdeaGroup``) becomes one option:
    its name, with its ideas listed in the option's description.
    """
    if workshop is not None:
        if not rules.is_workshop_facilitator(actor, workshop):
            raise PermissionDeniedError(
                "forbidden", _("Seul·es les animateur·rices de l'atelier peuvent créer un vote.")
            )
    elif not rules.can_create_board_session(actor):
        raise PermissionDeniedError(
            "forbidden",
            _("Seul·es les éditeur·rices du Codev et les animateur·rices créent des votes."),
        )
    if method not in Method.values:
        raise DomainError("invalid_method", _("Choisissez une méthode de vote."), field="method")
    if reveal not in Reveal.values:
        raise DomainError(
            "invalid_reveal", _("Choisissez quand montrer les résultats."), field="reveal"
        )
    if workshop is None:
        if not starts_at or not ends_at:
            raise DomainError(
                "dates_required",
                _("Un vote sur le tableau des propositions a une date d'ouverture et de clôture."),
                field="ends_at",
            )
        if starts_at >= ends_at:
            raise DomainError(
                "invalid_dates", _("La clôture doit suivre l'ouverture."), field="ends_at"
            )
    if dot_budget < 1 or dot_cap < 1 or dot_budget > 100 or dot_cap > 100:
        raise DomainError(
            "invalid_dots",
            _("Le nombre de gommettes doit être compris entre 1 et 100."),
            field="dot_budget",
        )
    if max_choices is not None and max_choices < 1:
        raise DomainError(
            "invalid_max_choices",
            _("Le nombre maximal de choix doit être au moins 1."),
            field="max_choices",
        )

    options: list[tuple[Any, str]] = []
    seen: set[int] = set()
    for proposal in proposals:
        if proposal.pk not in seen:
            seen.add(proposal.pk)
            options.append((proposal, clean_line(proposal.title, max_length=200)))
    for label in labels:
        label = clean_line(label, max_length=200)
        if label and label not in [existing for _p, existing in options]:
            options.append((None, label))
    extras: dict[int, tuple[str, Any]] = {}  # option index: (description, group)
    groups = list(groups)
    if groups:
        from workshops.grouping import group_ideas

        if workshop is None or any(g.workshop_id != workshop.pk for g in groups):
            raise DomainError(
                "invalid_groups",
                _("Seuls les groupes d'idées de cet atelier peuvent devenir des options."),
                field="options",
            )
        ideas = group_ideas(groups)
        for group in groups:
            if not ideas[group.pk]:
                continue  # an empty group is not an option
            extras[len(options)] = (
                "\n".join(clean_line(p.title, max_length=200) for p in ideas[group.pk]),
                group,
            )
            options.append((None, clean_line(group.name, max_length=200)))
    if method != Method.OPEN_QUESTION:
        minimum = MIN_OPTIONS[Method(method)]
        if len(options) < minimum:
            raise DomainError(
                "too_few_options",
                ngettext(
                    "Ce vote demande au moins %(n)d option.",
                    "Ce vote demande au moins %(n)d options.",
                    minimum,
                )
                % {"n": minimum},
                field="options",
            )
        if len(options) > MAX_OPTIONS:
            raise DomainError(
                "too_many_options",
                _("Un vote compte au plus %(n)d options.") % {"n": MAX_OPTIONS},
                field="options",
            )
    session = VoteSession.objects.create(
        title=_clean_title(title),
        question=(question or "").strip()[:2000],
        method=method,
        reveal=reveal,
        workshop=workshop,
        axis=axis,
        starts_at=starts_at,
        ends_at=ends_at,
        max_choices=max_choices if method == Method.SUPPORT else None,
        dot_budget=dot_budget,
        dot_cap=dot_cap,
        created_by=actor,
    )
    if method != Method.OPEN_QUESTION:
        VoteOption.objects.bulk_create(
            [
                VoteOption(
                    session=session,
                    proposal=proposal,
                    label=label,
                    order=i,
                    description=extras.get(i, ("", None))[0],
                    idea_group=extras.get(i, ("", None))[1],
                )
                for i, (proposal, label) in enumerate(options)
            ]
        )
    audit_record(
        actor=actor, action="vote.created", target=session, data={"method": method}, request=request
    )
    return session


def _locked(session: VoteSession) -> VoteSession:
    return (
        VoteSession.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=session.pk)
    )


def _transition(
    *, session: VoteSession, actor, allowed_from: tuple[str, ...], message: str
) -> VoteSession:
    if not rules.can_manage(actor, session):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de ce vote peuvent le gérer.")
        )
    locked = _locked(session)
    if locked.state not in allowed_from:
        raise DomainError("invalid_state", message, state=locked.state)
    return locked


@transaction.atomic
def session_open(*, session: VoteSession, actor, request=None) -> VoteSession:
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.DRAFT,),
        message=_("Seul un vote en brouillon peut être ouvert."),
    )
    locked.state = SessionState.OPEN
    locked.opened_at = timezone.now()
    locked.save(update_fields=["state", "opened_at"])
    audit_record(actor=actor, action="vote.opened", target=locked, request=request)
    _broadcast(locked, "vote.opened", session_public_data(locked))
    return locked


@transaction.atomic
def session_close(*, session: VoteSession, actor, request=None) -> VoteSession:
    """Close for good: from now on every ballot is refused."""
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.OPEN,),
        message=_("Ce vote n'est pas ouvert : il ne peut pas être clos."),
    )
    locked.state = SessionState.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["state", "closed_at"])
    ballots = selectors.ballot_count(locked)
    audit_record(
        actor=actor, action="vote.closed", target=locked, data={"ballots": ballots}, request=request
    )
    data = {**session_public_data(locked), "turnout": selectors.turnout(locked)}
    if rules.results_revealed(locked):
        data["results"] = selectors.results_compute(locked).as_dict()
    _broadcast(locked, "vote.closed", data)
    return locked


def session_close_if_due(*, session: VoteSession) -> VoteSession:
    """Close a board session whose end date has passed (on the first read after it).

    Ballots are already refused after ``ends_at``; this makes the state say
    so, and records it in the audit log as a close by nobody (the calendar).
    """
    if (
        session.state != SessionState.OPEN
        or not session.ends_at
        or timezone.now() < session.ends_at
    ):
        return session
    with transaction.atomic():
        locked = _locked(session)
        if locked.state != SessionState.OPEN:
            return locked
        locked.state = SessionState.CLOSED
        locked.closed_at = locked.ends_at
        locked.save(update_fields=["state", "closed_at"])
        audit_record(
            actor=None,
            action="vote.closed",
            target=locked,
            data={"ballots": selectors.ballot_count(locked), "automatic": True},
        )
        data = {**session_public_data(locked), "turnout": selectors.turnout(locked)}
        _broadcast(locked, "vote.closed", data)
    return locked


@transaction.atomic
def session_reveal(*, session: VoteSession, actor, request=None) -> VoteSession:
    """Show the results of a closed « à la clôture » session to the room."""
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.CLOSED, SessionState.PUBLISHED),
        message=_("Les résultats se dévoilent une fois le vote clos."),
    )
    if locked.revealed_at is None:
        locked.revealed_at = timezone.now()
        locked.save(update_fields=["revealed_at"])
        audit_record(actor=actor, action="vote.revealed", target=locked, request=request)
        _broadcast(
            locked,
            "vote.revealed",
            {**session_public_data(locked), "results": selectors.results_compute(locked).as_dict()},
        )
    return locked


@transaction.atomic
def session_publish(*, session: VoteSession, actor, request=None) -> VoteSession:
    """Make the results public on the platform (and revealed to the room)."""
    locked = _transition(
        session=session,
        actor=actor,
        allowed_from=(SessionState.CLOSED,),
        message=_("Seul un vote clos peut être publié."),
    )
    now = timezone.now()
    locked.state = SessionState.PUBLISHED
    locked.published_at = now
    locked.revealed_at = locked.revealed_at or now
    locked.save(update_fields=["state", "published_at", "revealed_at"])
    audit_record(actor=actor, action="vote.published", target=locked, request=request)
    _broadcast(
        locked,
        "vote.published",
        {**session_public_data(locked), "results": selectors.results_compute(locked).as_dict()},
    )
    return locked


# --- Ballots -------------------------------------------------------------------


def _lock_session_shared(session_id: int) -> VoteSession | None:
    """Re-read the session under a shared row lock (PostgreSQL), so that a close waits for us.

    SQLite serialises writing transactions anyway (``transaction_mode=IMMEDIATE``).
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(VoteSession._meta.db_table)
        rows = list(
            VoteSession.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [session_id])  # noqa: S608
        )
        return rows[0] if rows else None
    return VoteSession.objects.filter(pk=session_id).first()


# Options never change once a session accepts ballots (no service edits them, the
# admin shows them read-only): each process keeps their ids for the ballot checks.
# Keyed by (id, opening time): a primary key can come back (tests, a restored database).
_option_ids_cache: dict[tuple[int, Any], frozenset[int]] = {}
_OPTION_CACHE_SIZE = 512


def _option_ids(session: VoteSession) -> frozenset[int]:
    key = (session.pk, session.opened_at)
    cached = _option_ids_cache.get(key)
    if cached is None:
        cached = frozenset(VoteOption.objects.filter(session=session).values_list("id", flat=True))
        if session.state != SessionState.DRAFT and session.opened_at is not None:
            if len(_option_ids_cache) >= _OPTION_CACHE_SIZE:
                _option_ids_cache.clear()
            _option_ids_cache[key] = cached
    return cached


def _ballots_upsert(
    *, session: VoteSession, rows: list[tuple[Any, str, str]]
) -> list[tuple[Ballot, bool]]:
    """Create each voter's ballot or take the existing one, locked until commit; returns
    (ballot, created) per (voter, college, answer) row, in order (one voter per row).

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on PostgreSQL for all of them
    (the row locks make concurrent submissions by one voter queue; ``xmax = 0`` tells a
    new row from an updated one); on SQLite a look-up and one such statement per chunk.
    """
    metrics.BALLOTS.inc(len(rows))  # /metrics: rate() gives ballots per second
    now = timezone.now()
    table = connection.ops.quote_name(Ballot._meta.db_table)
    if connection.vendor == "postgresql":
        # The rows as three arrays: the statement is the same text whatever their number
        # (psycopg parses the text of every query it binds on the client: py-spy saw a
        # VALUES list of 250 rows cost more than its round trip).
        params: list[Any] = [
            session.pk,
            now,
            now,
            [voter.pk for voter, _college, _answer in rows],
            [college for _voter, college, _answer in rows],
            [answer for _voter, _college, answer in rows],
        ]
        sql = (
            f"INSERT INTO {table} (session_id, voter_id, college, answer, answer_hidden, created_at, updated_at) "  # noqa: S608
            "SELECT %s, v.voter_id, v.college, v.answer, false, %s, %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) WITH ORDINALITY "
            "AS v(voter_id, college, answer, n) ORDER BY v.n "
            "ON CONFLICT (session_id, voter_id) DO UPDATE SET college = EXCLUDED.college, "
            "answer = EXCLUDED.answer, answer_hidden = false, updated_at = EXCLUDED.updated_at "
            "RETURNING voter_id, id, (xmax = 0) AS inserted"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            returned = {voter_id: (pk, inserted) for voter_id, pk, inserted in cursor.fetchall()}
    else:
        returned = _ballots_upsert_sqlite(table, session.pk, now, rows)
    result = []
    for voter, college, answer in rows:
        pk, inserted = returned[voter.pk]
        # By column (``session_id``, not ``session``): the relation setter and its
        # router check cost more than the rest of the ballot (py-spy, 500 ballots/s).
        ballot = Ballot(
            pk=pk,
            session_id=session.pk,
            voter_id=voter.pk,
            college=college,
            answer=answer,
            updated_at=now,
        )
        ballot._state.adding = False
        ballot._state.fields_cache.update(session=session, voter=voter)
        result.append((ballot, bool(inserted)))
    return result


# SQLite binds at most 999 parameters per statement in builds older than 3.32: the
# raw statements below stay under that whatever the batch.
_SQLITE_PARAMS = 999


def _ballots_upsert_sqlite(
    table: str, session_id: int, now, rows: list[tuple[Any, str, str]]
) -> dict[int, tuple[int, bool]]:
    """SQLite: which voters already have a ballot (one query per chunk), then one
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per chunk — not a look-up and a
    save per ballot (py-spy: 82 % of a burst's write time on one process). Writing
    transactions are serialised (``transaction_mode=IMMEDIATE``), so what the look-up
    saw is still true at the insert. Returns ``{voter_id: (ballot_id, created)}``."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    returned: dict[int, tuple[int, bool]] = {}
    chunk = _SQLITE_PARAMS // 5
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            voter_ids = [voter.pk for voter, _college, _answer in part]
            marks = ", ".join(["%s"] * len(voter_ids))
            cursor.execute(
                f"SELECT voter_id FROM {table} WHERE session_id = %s AND voter_id IN ({marks})",  # noqa: S608
                [session_id, *voter_ids],
            )
            existing = {voter_id for (voter_id,) in cursor.fetchall()}
            values = ", ".join(["(%s, %s, %s, %s, 0, %s, %s)"] * len(part))
            params: list[Any] = []
            for voter, college, answer in part:
                params += [session_id, voter.pk, college, answer, stamp, stamp]
            cursor.execute(
                f"INSERT INTO {table} (session_id, voter_id, college, answer, answer_hidden, "  # noqa: S608
                f"created_at, updated_at) VALUES {values} "
                "ON CONFLICT (session_id, voter_id) DO UPDATE SET college = excluded.college, "
                "answer = excluded.answer, answer_hidden = 0, updated_at = excluded.updated_at "
                "RETURNING voter_id, id",
                params,
            )
            for voter_id, pk in cursor.fetchall():
                returned[voter_id] = (pk, voter_id not in existing)
    return returned


def _rows_replace(model, columns: tuple[str, ...], ballot_ids: list[int], rows: list[tuple]):
    """Delete the rows of ``model`` that belong to ``ballot_ids``, then insert ``rows``
    (tuples in ``columns`` order). PostgreSQL: two statements of the same text whatever
    the number of rows (the ids and each column as one array), no model instances."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor != "postgresql":
        # SQLite: chunked statements of plain tuples (no model instances), each under
        # the parameter limit.
        with connection.cursor() as cursor:
            for start in range(0, len(ballot_ids), _SQLITE_PARAMS):
                part = ballot_ids[start : start + _SQLITE_PARAMS]
                cursor.execute(
                    f"DELETE FROM {table} WHERE ballot_id IN ({', '.join(['%s'] * len(part))})",  # noqa: S608
                    part,
                )
            per = _SQLITE_PARAMS // len(columns)
            row_marks = f"({', '.join(['%s'] * len(columns))})"
            for start in range(0, len(rows), per):
                part = rows[start : start + per]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                    f"VALUES {', '.join([row_marks] * len(part))}",
                    [value for row in part for value in row],
                )
        return
    with connection.cursor() as cursor:
        if ballot_ids:
            cursor.execute(f"DELETE FROM {table} WHERE ballot_id = ANY(%s::bigint[])", [ballot_ids])  # noqa: S608
        if rows:
            fields = [model._meta.get_field(column.removesuffix("_id")) for column in columns]
            types = [
                field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
                for field in fields
            ]
            arrays = ", ".join(f"%s::{_array_type(t)}" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})",  # noqa: S608
                [list(column) for column in zip(*rows, strict=True)],
            )


def _array_type(db_type: str) -> str:
    # varchar(20) -> text[]: the column's own check still applies on insert.
    return "text[]" if db_type.startswith("varchar") else f"{db_type.split(' ')[0]}[]"


def _lock_voters(
    voter_ids: list[int], workshop_id: int | None
) -> dict[int, tuple[str | None, bool]]:
    """Lock the voters' rows (still active accounts; in primary-key order, so that two
    batches never wait for each other in a circle) and return, per voter, the college
    their ballot counts in and whether they may see the vote's workshop.

    The college: their participation's in a workshop (None if they are not an active
    participant), their own in a board session (None if theirs is not a confirmed
    account: a guest, or no verified e-mail — votes.rules.can_vote). Whether they may see
    the workshop: ``workshops.rules.can_see_workshop``, the rule the pages and the API
    apply, fed from the same query (always True on the board). Absent: no longer an
    active account. One query."""
    from allauth.account.models import EmailAddress

    from workshops.models import Participant, Workshop

    users = (
        get_user_model()
        .objects.filter(pk__in=voter_ids, is_active=True, deleted_at__isnull=True)
        .order_by("pk")
    )
    if workshop_id is None:
        confirmed = Q(is_guest=False) & Exists(
            EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True)
        )
        return {
            pk: (college, True)
            for pk, college in users.select_for_update()
            .annotate(board_college=Case(When(confirmed, then=F("college")), default=Value(None)))
            .values_list("pk", "board_college")
        }
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
    result = {}
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
    """``can_see_workshop`` on what ``_lock_voters`` read (no query of its own)."""
    from workshops.models import Participant, Workshop
    from workshops.rules import can_see_workshop

    if present:
        participant = Participant(workshop_id=workshop_id)
    elif removed_at is not None:
        participant = Participant(workshop_id=workshop_id, removed_at=removed_at)
    else:
        participant = None
    workshop = Workshop(pk=workshop_id, visibility=visibility, state=state)
    return can_see_workshop(None, workshop, participant, facilitator=bool(facilitates))


def _refused_closed(session: VoteSession) -> DomainError:
    if session.state in (SessionState.CLOSED, SessionState.PUBLISHED) or (
        session.ends_at and timezone.now() >= session.ends_at
    ):
        return DomainError(
            "vote_closed",
            _("Ce vote est clos : votre bulletin n'a pas été enregistré."),
            status=409,
        )
    if session.starts_at and timezone.now() < session.starts_at:
        return DomainError("vote_not_started", _("Ce vote n'est pas encore ouvert."), status=409)
    return DomainError("vote_not_open", _("Ce vote n'est pas ouvert."), status=409)


def _as_int(value: Any, *, field: str) -> int:
    if isinstance(value, bool):
        return int(value)
    try:
        return int(str(value).strip() or 0)
    except (TypeError, ValueError):
        raise DomainError(
            "invalid_choice", _("Une valeur du bulletin est invalide."), field=field
        ) from None


def clean_choices(
    session: VoteSession, choices: Mapping[Any, Any] | None, option_ids: set[int]
) -> dict[int, int]:
    """Check a ballot against the session's method; returns {option id: value} with no zero."""
    raw = dict(choices or {})
    cleaned: dict[int, int] = {}
    for key, value in raw.items():
        option_id = _as_int(key, field="choices")
        if option_id not in option_ids:
            raise DomainError(
                "unknown_option",
                _("Une option choisie ne fait pas partie de ce vote."),
                field="choices",
            )
        cleaned[option_id] = _as_int(value, field=f"option-{option_id}")
    method = session.method
    if method == Method.MAJORITY_JUDGMENT:
        if any(v < 0 or v >= tally.MJ_GRADE_COUNT for v in cleaned.values()):
            raise DomainError(
                "invalid_grade", _("Choisissez une mention dans la liste."), field="choices"
            )
        if not cleaned:
            raise DomainError(
                "empty_ballot",
                _(
                    "Attribuez une mention à au moins une option (une option sans mention compte « À rejeter »)."
                ),
                field="choices",
            )
        return cleaned
    if any(v < 0 for v in cleaned.values()):
        raise DomainError(
            "invalid_choice", _("Une valeur du bulletin est invalide."), field="choices"
        )
    cleaned = {k: v for k, v in cleaned.items() if v}
    if method == Method.DOTS:
        spent = sum(cleaned.values())
        if any(v > session.dot_cap for v in cleaned.values()):
            raise DomainError(
                "dot_cap_exceeded",
                ngettext(
                    "Au plus %(n)d gommette par option.",
                    "Au plus %(n)d gommettes par option.",
                    session.dot_cap,
                )
                % {"n": session.dot_cap},
                field="choices",
            )
        if spent > session.dot_budget:
            raise DomainError(
                "dot_budget_exceeded",
                ngettext(
                    "Vous avez placé %(spent)d gommettes pour %(budget)d disponible.",
                    "Vous avez placé %(spent)d gommettes pour %(budget)d disponibles.",
                    session.dot_budget,
                )
                % {"spent": spent, "budget": session.dot_budget},
                field="choices",
            )
        if not spent:
            raise DomainError("empty_ballot", _("Placez au moins une gommette."), field="choices")
        return cleaned
    # Support and poll: a choice is a yes.
    cleaned = dict.fromkeys(cleaned, 1)
    if method == Method.POLL:
        if len(cleaned) != 1:
            raise DomainError("choose_one", _("Choisissez une réponse."), field="choices")
        return cleaned
    if not cleaned:
        raise DomainError("empty_ballot", _("Choisissez au moins une option."), field="choices")
    if session.max_choices and len(cleaned) > session.max_choices:
        raise DomainError(
            "too_many_choices",
            ngettext(
                "Vous pouvez choisir au plus %(n)d option.",
                "Vous pouvez choisir au plus %(n)d options.",
                session.max_choices,
            )
            % {"n": session.max_choices},
            field="choices",
        )
    return cleaned


def clean_answer(answer: str) -> tuple[str, list[str]]:
    text = clean_line(answer or "")
    if not text:
        raise DomainError("empty_answer", _("Écrivez une réponse courte."), field="answer")
    if len(text) > ANSWER_MAX_LENGTH:
        raise DomainError(
            "answer_too_long",
            _("Une réponse fait au plus %(n)d caractères.") % {"n": ANSWER_MAX_LENGTH},
            field="answer",
        )
    return text, tally.normalise_words(text)


@dataclass
class BallotRequest:
    """One ballot to record: ``session`` is a session or its id; with ``workshop_id`` the
    session must belong to that workshop (a socket names a session by id)."""

    session: VoteSession | int
    voter: Any
    choices: Mapping[Any, Any] | None = None
    answer: str = ""
    workshop_id: int | None = None

    @property
    def session_id(self) -> int:
        return self.session if isinstance(self.session, int) else self.session.pk


def ballot_cast(
    *,
    session: VoteSession | int,
    voter,
    choices: Mapping[Any, Any] | None = None,
    answer: str = "",
    workshop_id: int | None = None,
) -> tuple[Ballot, bool]:
    """Record ``voter``'s ballot (or replace it whole); returns (ballot, changed)."""
    (outcome,) = ballots_cast([BallotRequest(session, voter, choices, answer, workshop_id)])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def ballots_cast(requests: list[BallotRequest]) -> list[tuple[Ballot, bool] | DomainError]:
    """Record several ballots in one transaction, in as few round trips as a live vote of a
    thousand phones needs — whatever their number: per session, its row under a shared
    lock (a close waits for us), the voters' rows locked with their participation's
    college, one upsert of the ballots, one delete of the replaced choices, one insert.

    Returns, in order, ``(ballot, changed)`` or the ``DomainError`` that refused that
    ballot (the others are recorded all the same). Several ballots of one voter: the last
    one stays, each acknowledged as it would have been one after the other.
    """
    outcomes: list[tuple[Ballot, bool] | DomainError | None] = [None] * len(requests)
    by_session: dict[int, list[int]] = {}
    for index, request in enumerate(requests):
        if not rules.is_signed_in(request.voter):
            outcomes[index] = PermissionDeniedError(
                "not_authenticated", _("Connectez-vous ou rejoignez l'atelier pour voter.")
            )
        else:
            by_session.setdefault(request.session_id, []).append(index)
    for session_id in sorted(by_session):
        _cast_in_session(session_id, [(i, requests[i]) for i in by_session[session_id]], outcomes)
    return outcomes  # type: ignore[return-value]


def _cast_in_session(session_id: int, items: list[tuple[int, BallotRequest]], outcomes) -> None:
    current = _lock_session_shared(session_id)
    # Lock the voters' rows: an account deletion (which locks the row too) then happens
    # either before — and the ballot is refused — or after this ballot, which it unlinks.
    colleges = _lock_voters(
        sorted({request.voter.pk for _index, request in items}),
        current.workshop_id if current is not None else None,
    )
    accepted: list[tuple[int, BallotRequest, str, dict[int, int], str, list[str]]] = []
    for index, request in items:
        try:
            accepted.append((index, request, *_check_ballot(current, request, colleges)))
        except DomainError as error:
            outcomes[index] = error
    if not accepted:
        return
    # One ballot per voter: the last one of this batch is the one kept.
    last: dict[int, int] = {request.voter.pk: n for n, (_i, request, *_rest) in enumerate(accepted)}
    kept = [accepted[n] for n in sorted(last.values())]
    rows = _ballots_upsert(
        session=current,
        rows=[(request.voter, college, answer) for _i, request, college, _c, answer, _w in kept],
    )
    replaced = [ballot.pk for ballot, created in rows if not created]
    choices: list[tuple[int, int, int, str, int]] = []
    words: list[tuple[int, int, str]] = []
    for (_i, _request, college, cleaned, _answer, answer_words), (ballot, _created) in zip(
        kept, rows, strict=True
    ):
        choices.extend(
            (ballot.pk, current.pk, option_id, college, value)
            for option_id, value in cleaned.items()
        )
        words.extend((ballot.pk, current.pk, w[:60]) for w in answer_words)
    _rows_replace(
        BallotChoice,
        ("ballot_id", "session_id", "option_id", "college", "value"),
        replaced,
        choices,
    )
    if current.method == Method.OPEN_QUESTION:
        _rows_replace(AnswerWord, ("ballot_id", "session_id", "word"), replaced, words)
    stored = {ballot.voter_id: (ballot, created) for ballot, created in rows}
    seen: set[int] = set()
    for index, request, *_rest in accepted:
        ballot, created = stored[request.voter.pk]
        # The first ballot of a voter in this batch is new if its row was; later ones
        # replace it, as they would have one after the other.
        changed = request.voter.pk in seen or not created
        seen.add(request.voter.pk)
        outcomes[index] = (ballot, changed)
    live.tally_touch_on_commit(current)


def _check_ballot(current: VoteSession | None, request: BallotRequest, colleges: dict):
    """The refusals of one ballot, in the order a voter should learn them; returns
    (college, cleaned choices, answer, words)."""
    if current is None or (
        request.workshop_id is not None and current.workshop_id != request.workshop_id
    ):
        raise DomainError("not_found", _("Ce vote n'existe pas."), status=404)
    voter = request.voter
    if voter.pk not in colleges:
        raise PermissionDeniedError(
            "not_authenticated", _("Connectez-vous ou rejoignez l'atelier pour voter.")
        )
    college, sees_workshop = colleges[voter.pk]
    if not sees_workshop:
        # A workshop one may not see (a removed participant, an outsider of a private or
        # draft workshop): the same answer as a vote that does not exist, on every door.
        raise DomainError("not_found", _("Ce vote n'existe pas."), status=404)
    if current.state == SessionState.DRAFT and not rules.can_view(voter, current):
        raise DomainError("not_found", _("Ce vote n'existe pas."), status=404)
    if not current.accepts_ballots():
        raise _refused_closed(current)
    if college is None and current.workshop_id is None:
        raise PermissionDeniedError(
            "not_confirmed",
            _(
                "Les votes de la plateforme sont réservés aux comptes confirmés : "
                "ajoutez et confirmez votre adresse e-mail depuis « Mon compte »."
            ),
        )
    if college is None:
        raise PermissionDeniedError(
            "not_participant", _("Seul·es les participant·es de l'atelier peuvent voter.")
        )
    if current.method == Method.OPEN_QUESTION:
        if not isinstance(request.answer, str):
            raise DomainError("invalid", _("Une valeur du bulletin est invalide."), field="answer")
        answer, words = clean_answer(request.answer)
        return college, {}, answer, words
    cleaned = clean_choices(current, request.choices, set(_option_ids(current)))
    return college, cleaned, "", []


# --- Moderation of open answers --------------------------------------------------


@transaction.atomic
def answer_hide(
    *, session: VoteSession, actor, ballot_id: int, hidden: bool = True, request=None
) -> None:
    """Hide (or restore) an open answer: its words leave (or rejoin) the cloud."""
    if not rules.can_manage(actor, session):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de ce vote peuvent le modérer.")
        )
    ballot = Ballot.objects.select_for_update().filter(session=session, pk=ballot_id).first()
    if ballot is None:
        raise DomainError("not_found", _("Cette réponse n'existe pas."), status=404)
    if ballot.answer_hidden == hidden:
        return
    ballot.answer_hidden = hidden
    ballot.save(update_fields=["answer_hidden"])
    AnswerWord.objects.filter(ballot=ballot).delete()
    if not hidden:
        AnswerWord.objects.bulk_create(
            [
                AnswerWord(ballot=ballot, session=session, word=w[:60])
                for w in tally.normalise_words(ballot.answer)
            ]
        )
    audit_record(
        actor=actor,
        action="vote.answer_hidden" if hidden else "vote.answer_restored",
        target=session,
        data={"answer": ballot.pk},
        request=request,
    )
    live.tally_touch_on_commit(session)


@transaction.atomic
def word_hide(*, session: VoteSession, actor, word: str, hidden: bool = True, request=None) -> None:
    """Take a word out of the cloud (or put it back), whoever wrote it."""
    if not rules.can_manage(actor, session):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les animateur·rices de ce vote peuvent le modérer.")
        )
    locked = _locked(session)
    normalised = tally.normalise_words(word)
    if not normalised:
        raise DomainError("invalid_word", _("Ce mot n'apparaît pas dans le nuage."), field="word")
    target = normalised[0]
    words = [w for w in (locked.hidden_words or []) if w != target]
    if hidden:
        words.append(target)
    locked.hidden_words = session.hidden_words = words
    locked.save(update_fields=["hidden_words"])
    audit_record(
        actor=actor,
        action="vote.word_hidden" if hidden else "vote.word_restored",
        target=locked,
        data={"word": target},
        request=request,
    )
    live.tally_touch_on_commit(locked)
