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
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import audit_record
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
            {"id": o["id"], "label": o["label"], "proposal": o["proposal_id"]}
            for o in VoteOption.objects.filter(session=session)
            .order_by("order", "id")
            .values("id", "label", "proposal_id")
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
    request=None,
) -> VoteSession:
    """A draft session with its options (proposals first, then free labels)."""
    if workshop is not None:
        if not rules.is_workshop_facilitator(actor, workshop):
            raise PermissionDeniedError(
                _("Seul·es les animateur·rices de l'atelier peuvent créer un vote.")
            )
    elif not rules.can_create_board_session(actor):
        raise PermissionDeniedError(
            _("Seul·es les éditeur·rices du Codev et les animateur·rices créent des votes.")
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
                VoteOption(session=session, proposal=proposal, label=label, order=i)
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
        raise PermissionDeniedError(_("Seul·es les animateur·rices de ce vote peuvent le gérer."))
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


def _ballot_upsert(
    *, session: VoteSession, voter, college: str, answer: str
) -> tuple[Ballot, bool]:
    """Create the voter's ballot or take the existing one, locked until commit; (ballot, created).

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on PostgreSQL (the row
    lock makes concurrent submissions by one voter queue; ``xmax = 0`` tells a
    new row from an updated one).
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Ballot._meta.db_table)
        sql = (
            f"INSERT INTO {table} (session_id, voter_id, college, answer, answer_hidden, created_at, updated_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, false, %s, %s) "
            "ON CONFLICT (session_id, voter_id) DO UPDATE SET college = EXCLUDED.college, "
            "answer = EXCLUDED.answer, answer_hidden = false, updated_at = EXCLUDED.updated_at "
            "RETURNING id, (xmax = 0) AS inserted"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [session.pk, voter.pk, college, answer, now, now])
            pk, inserted = cursor.fetchone()
        ballot = Ballot(
            pk=pk, session=session, voter=voter, college=college, answer=answer, updated_at=now
        )
        return ballot, bool(inserted)
    # SQLite: writing transactions are serialised (IMMEDIATE), so look-then-insert is safe.
    ballot = Ballot.objects.select_for_update().filter(session=session, voter=voter).first()
    if ballot is None:
        return Ballot.objects.create(
            session=session, voter=voter, college=college, answer=answer
        ), True
    ballot.college = college
    ballot.answer = answer
    ballot.answer_hidden = False
    ballot.save(update_fields=["college", "answer", "answer_hidden", "updated_at"])
    return ballot, False


_GONE = object()  # _lock_voter: the account is no longer active


def _lock_voter(voter, workshop_id: int | None):
    """Lock the voter's row and return the college the ballot counts in — their
    participation's in a workshop (None if they are not an active participant), their own
    otherwise — or ``_GONE`` if the account is no longer active. One query."""
    from workshops.models import Participant

    users = get_user_model().objects.filter(pk=voter.pk, is_active=True, deleted_at__isnull=True)
    if workshop_id is None:
        row = users.select_for_update().values_list("pk", "college").first()
    else:
        row = (
            users.select_for_update(of=("self",))
            .annotate(
                participant_college=Subquery(
                    Participant.objects.filter(
                        workshop_id=workshop_id, user_id=OuterRef("pk"), removed_at__isnull=True
                    ).values("college")[:1]
                )
            )
            .values_list("pk", "participant_college")
            .first()
        )
    return _GONE if row is None else row[1]


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
                _("Vous avez placé %(spent)d gommettes pour %(budget)d disponibles.")
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


@transaction.atomic
def ballot_cast(
    *,
    session: VoteSession | int,
    voter,
    choices: Mapping[Any, Any] | None = None,
    answer: str = "",
    workshop_id: int | None = None,
) -> tuple[Ballot, bool]:
    """Record ``voter``'s ballot (or replace it whole); returns (ballot, changed).

    ``session``: the session, or only its id (a socket names it by id); with
    ``workshop_id`` it must belong to that workshop. Everything is re-read
    here under locks, in as few round trips as a live vote of a thousand
    phones can afford: the session (shared lock), the voter with their
    participation (the voter's row locked), the ballot upsert, its choices.
    """
    if not rules.is_signed_in(voter):
        raise PermissionDeniedError(
            _("Connectez-vous ou rejoignez l'atelier pour voter."), code="not_authenticated"
        )
    session_id = session if isinstance(session, int) else session.pk
    current = _lock_session_shared(session_id)
    if current is None or (workshop_id is not None and current.workshop_id != workshop_id):
        raise DomainError("not_found", _("Ce vote n'existe pas."), status=404)
    # Lock the voter's row: an account deletion (which locks it too) then happens either
    # before — and the ballot is refused — or after this ballot, which it then unlinks.
    college = _lock_voter(voter, current.workshop_id)
    if college is _GONE:
        raise PermissionDeniedError(
            _("Connectez-vous ou rejoignez l'atelier pour voter."), code="not_authenticated"
        )
    if current.state == SessionState.DRAFT and not rules.can_view(voter, current):
        raise DomainError("not_found", _("Ce vote n'existe pas."), status=404)
    if not current.accepts_ballots():
        raise _refused_closed(current)
    if college is None:
        raise PermissionDeniedError(
            _("Seul·es les participant·es de l'atelier peuvent voter."), code="not_participant"
        )

    words: list[str] = []
    cleaned: dict[int, int] = {}
    if current.method == Method.OPEN_QUESTION:
        answer, words = clean_answer(answer)
    else:
        cleaned = clean_choices(current, choices, set(_option_ids(current)))
        answer = ""

    # Create-or-lock: concurrent submissions by one voter queue on this row, and
    # the replacement below is all-or-nothing with it.
    ballot, created = _ballot_upsert(session=current, voter=voter, college=college, answer=answer)
    changed = not created
    if changed:
        BallotChoice.objects.filter(ballot_id=ballot.pk).delete()
        if current.method == Method.OPEN_QUESTION:
            AnswerWord.objects.filter(ballot_id=ballot.pk).delete()
    if cleaned:
        BallotChoice.objects.bulk_create(
            [
                BallotChoice(
                    ballot_id=ballot.pk,
                    session_id=current.pk,
                    option_id=option_id,
                    college=college,
                    value=value,
                )
                for option_id, value in cleaned.items()
            ]
        )
    if words:
        AnswerWord.objects.bulk_create(
            [AnswerWord(ballot_id=ballot.pk, session_id=current.pk, word=w[:60]) for w in words]
        )
    live.tally_touch_on_commit(current)
    return ballot, changed


# --- Moderation of open answers --------------------------------------------------


@transaction.atomic
def answer_hide(
    *, session: VoteSession, actor, ballot_id: int, hidden: bool = True, request=None
) -> None:
    """Hide (or restore) an open answer: its words leave (or rejoin) the cloud."""
    if not rules.can_manage(actor, session):
        raise PermissionDeniedError(_("Seul·es les animateur·rices de ce vote peuvent le modérer."))
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
        raise PermissionDeniedError(_("Seul·es les animateur·rices de ce vote peuvent le modérer."))
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
