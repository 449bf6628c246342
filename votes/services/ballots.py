"""Casting ballots: one (a page, the API) or a batch (the room sockets' writer, ``votes.batch``).

Per session, its row is read under a shared lock (a close waits for the batch), the
voters' rows are locked with their college (``eligibility``), each ballot is checked
(``ballot_checks``), and the accepted ones are written in a few statements (``bulk``).
A ballot never produces a message of its own: it asks ``votes.live`` for a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from project.errors import DomainError, PermissionDeniedError
from votes import live, rules
from votes.models import (
    AnswerWord,
    Ballot,
    BallotChoice,
    Method,
    SessionState,
    VoteOption,
    VoteSession,
)
from votes.services.ballot_checks import clean_answer, clean_choices
from votes.services.bulk import ballots_upsert, rows_replace
from votes.services.eligibility import lock_voters


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
    colleges = lock_voters(
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
    rows = ballots_upsert(
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
    rows_replace(
        BallotChoice,
        ("ballot_id", "session_id", "option_id", "college", "value"),
        replaced,
        choices,
    )
    if current.method == Method.OPEN_QUESTION:
        rows_replace(AnswerWord, ("ballot_id", "session_id", "word"), replaced, words)
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
