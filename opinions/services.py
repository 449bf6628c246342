"""Writes on opinion maps: conversations, statements, votes, moderation, promotion.

Every write that changes the votes calls ``analysis_schedule`` (after commit): the
analysis runs in the background and no request waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import audit_record
from decisions.models import RecommendationStatementSource
from decisions.rules import require_editor
from decisions.services import recommendation_create, recommendation_statement_source_add
from opinions import rules
from opinions.models import (
    STATEMENT_MAX,
    Analysis,
    Conversation,
    ConversationParticipant,
    Statement,
    StatementVote,
    VoteValue,
)
from opinions.selectors import analysis_compute, statement_provenance
from ops.jobs import enqueue
from project.errors import DomainError, PermissionDeniedError
from project.text import clean_line
from proposals.services import proposal_create
from realtime.broadcast import broadcast_on_commit

logger = logging.getLogger(__name__)

QUESTION_MAX = 300
REASON_MAX = 500


# --- conversations -------------------------------------------------------------------


def conversation_create(
    *,
    actor,
    question: str,
    description: str = "",
    axis=None,
    workshop=None,
    is_published: bool = True,
) -> Conversation:
    if not rules.can_create_conversation(actor):
        raise PermissionDeniedError(
            "forbidden", _("Action réservée à l'animation et à la modération.")
        )
    question = clean_line(question)
    if not question:
        raise DomainError("empty_question", _("Posez une question."), field="question")
    if len(question) > QUESTION_MAX:
        raise DomainError(
            "question_too_long",
            _("La question dépasse %(max)d caractères.") % {"max": QUESTION_MAX},
            field="question",
        )
    conversation = Conversation.objects.create(
        question=question,
        description=(description or "").strip()[:2000],
        axis=axis,
        workshop=workshop,
        is_published=is_published,
        created_by=actor,
    )
    audit_record(actor=actor, action="conversation.created", target=conversation)
    return conversation


def conversation_set_open(*, conversation: Conversation, actor, is_open: bool) -> Conversation:
    if not rules.can_manage_any(actor):
        raise PermissionDeniedError(
            "forbidden", _("Action réservée à l'animation et à la modération.")
        )
    conversation.is_open = is_open
    conversation.save(update_fields=["is_open"])
    audit_record(
        actor=actor,
        action="conversation.opened" if is_open else "conversation.closed",
        target=conversation,
    )
    return conversation


def participant_get_or_create(*, conversation: Conversation, user) -> ConversationParticipant:
    participant = ConversationParticipant.objects.filter(
        conversation=conversation, user=user
    ).first()
    if participant is not None:
        return participant
    try:
        with transaction.atomic():
            return ConversationParticipant.objects.create(
                conversation=conversation, user=user, college=user.college
            )
    except IntegrityError:
        return ConversationParticipant.objects.get(conversation=conversation, user=user)


# --- statements ----------------------------------------------------------------------


def _clean_statement(text: str) -> str:
    text = clean_line(text)
    if not text:
        raise DomainError("empty_statement", _("Écrivez une affirmation."), field="text")
    if len(text) > STATEMENT_MAX:
        raise DomainError(
            "statement_too_long",
            _("Une affirmation tient en %(max)d caractères au plus (%(n)d ici).")
            % {"max": STATEMENT_MAX, "n": len(text)},
            field="text",
        )
    return text


def _require_taking_part(user, conversation) -> None:
    if not rules.is_signed_in(user):
        raise PermissionDeniedError(
            "forbidden", _("Connectez-vous ou rejoignez l'atelier pour participer.")
        )
    if not rules.can_take_part(user, conversation):
        raise PermissionDeniedError("closed", _("Cette carte des opinions n'est pas ouverte."))


def statement_create(
    *, conversation: Conversation, author, text: str, client_key: str = ""
) -> Statement:
    """Write a statement. A retry with the same ``client_key`` returns the first one."""
    _require_taking_part(author, conversation)
    text = _clean_statement(text)
    client_key = clean_line(client_key)[:64]
    participant = participant_get_or_create(conversation=conversation, user=author)
    if client_key:
        existing = Statement.objects.filter(author=participant, client_key=client_key).first()
        if existing is not None:
            return existing
    if Statement.objects.filter(conversation=conversation, text__iexact=text).exists():
        raise DomainError(
            "duplicate_statement", _("Cette affirmation existe déjà : votez plutôt."), field="text"
        )
    statement = Statement.objects.create(
        conversation=conversation, author=participant, text=text, client_key=client_key
    )
    analysis_schedule(conversation)
    return statement


def _moderate(*, statement: Statement, actor, reason: str, hide: bool, request=None) -> Statement:
    if not rules.can_moderate(actor):
        raise PermissionDeniedError("forbidden", _("Action réservée à la modération."))
    reason = clean_line(reason)
    if not reason:
        raise DomainError("reason_required", _("Indiquez un motif."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            "reason_too_long",
            _("Le motif dépasse %(max)d caractères.") % {"max": REASON_MAX},
            field="reason",
        )
    with transaction.atomic():
        locked = Statement.objects.select_for_update().get(pk=statement.pk)
        if locked.is_hidden == hide:
            raise DomainError(
                "already_hidden" if hide else "not_hidden",
                _("Cette affirmation est déjà masquée.")
                if hide
                else _("Cette affirmation n'est pas masquée."),
            )
        locked.is_hidden = hide
        locked.hidden_reason = reason
        locked.save(update_fields=["is_hidden", "hidden_reason"])
        audit_record(
            actor=actor,
            action="statement.hidden" if hide else "statement.restored",
            target=locked,
            data={"reason": reason},
            request=request,
        )
        analysis_schedule(locked.conversation)
    statement.is_hidden, statement.hidden_reason = locked.is_hidden, locked.hidden_reason
    return statement


def statement_hide(*, statement: Statement, actor, reason: str, request=None) -> Statement:
    """Hide from everyone with a reason; its votes stop counting in the analysis."""
    return _moderate(statement=statement, actor=actor, reason=reason, hide=True, request=request)


def statement_restore(*, statement: Statement, actor, reason: str, request=None) -> Statement:
    return _moderate(statement=statement, actor=actor, reason=reason, hide=False, request=request)


# --- votes ---------------------------------------------------------------------------


def vote_cast(*, statement: Statement, user, value: int) -> StatementVote:
    """Agree (1), disagree (-1) or pass (0); a second vote on the same statement replaces it."""
    conversation = statement.conversation
    _require_taking_part(user, conversation)
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value not in VoteValue.values:
        raise DomainError("invalid_vote", _("Choisissez d'accord, pas d'accord ou je passe."))
    if statement.is_hidden:
        raise DomainError("hidden_statement", _("Cette affirmation a été masquée."))
    participant = participant_get_or_create(conversation=conversation, user=user)
    if statement.author_id == participant.pk:
        raise DomainError("own_statement", _("On ne vote pas sur sa propre affirmation."))
    with transaction.atomic():
        vote, created = StatementVote.objects.update_or_create(
            statement=statement, participant=participant, defaults={"value": value}
        )
        if created:
            Statement.objects.filter(pk=statement.pk).update(vote_count=F("vote_count") + 1)
        analysis_schedule(conversation)
    return vote


# --- promotion -------------------------------------------------------------------------


def statement_promote(*, statement: Statement, actor, axis=None, request=None):
    """Turn a statement into a proposal on the board, keeping its provenance: the
    conversation and the votes by opinion group and by college at that moment."""
    if not rules.can_promote(actor):
        raise PermissionDeniedError("forbidden", _("Action réservée à la modération et au Codev."))
    if statement.is_hidden:
        raise DomainError("hidden_statement", _("Cette affirmation a été masquée."))
    if statement.proposal_id:
        return statement.proposal
    conversation = statement.conversation
    axis = axis or conversation.axis
    if axis is None:
        raise DomainError("invalid_axis", _("Choisissez un axe dans la liste."), field="axis")
    provenance = statement_provenance(statement)
    body = ngettext(
        "Issue de la carte des opinions « %(question)s » : %(agree)d d'accord, "
        "%(disagree)d pas d'accord sur %(voters)d vote.",
        "Issue de la carte des opinions « %(question)s » : %(agree)d d'accord, "
        "%(disagree)d pas d'accord sur %(voters)d votes.",
        provenance["voters"],
    ) % {
        "question": conversation.question,
        "agree": provenance["agree"],
        "disagree": provenance["disagree"],
        "voters": provenance["voters"],
    }
    if provenance.get("unites"):
        body += " " + _("D'accord dans chaque groupe d'opinion et chaque collège.")
    body += f"\n\n[{_('Voir la carte des opinions')}]({conversation.get_absolute_url()})"
    with transaction.atomic():
        proposal = proposal_create(
            author=actor,
            axis=axis,
            title=statement.text,
            body=body,
            origin_workshop=conversation.workshop,
        )
        statement.proposal = proposal
        statement.provenance = provenance
        statement.save(update_fields=["proposal", "provenance"])
        audit_record(
            actor=actor,
            action="statement.promoted",
            target=statement,
            data={"proposal": proposal.pk},
            request=request,
        )
    return proposal


def statement_recommend(*, statement: Statement, actor, axis=None, request=None):
    """One click from the map: a draft recommendation of the Codev founded on this statement,
    keeping its provenance (statement → conversation → votes by group and by college).
    Codev editors only; a statement already behind a recommendation gives that one back."""
    require_editor(actor)
    if statement.is_hidden:
        raise DomainError("hidden_statement", _("Cette affirmation a été masquée."))
    existing = (
        RecommendationStatementSource.objects.filter(statement=statement)
        .select_related("recommendation")
        .order_by("linked_at", "pk")
        .first()
    )
    if existing is not None:
        return existing.recommendation
    conversation = statement.conversation
    axis = axis or conversation.axis
    if axis is None:
        raise DomainError("invalid_axis", _("Choisissez un axe dans la liste."), field="axis")
    rationale = _("Issue de la carte des opinions « %(question)s » (voir la traçabilité).") % {
        "question": conversation.question
    }
    with transaction.atomic():
        recommendation = recommendation_create(
            actor=actor,
            title=statement.text[:200],
            axis=axis,
            rationale=rationale,
            request=request,
        )
        recommendation_statement_source_add(
            recommendation=recommendation, statement=statement, actor=actor
        )
        audit_record(
            actor=actor,
            action="statement.recommended",
            target=statement,
            data={"recommendation": recommendation.pk},
            request=request,
        )
    return recommendation


# --- analysis --------------------------------------------------------------------------

_pending: set[int] = set()
_pending_lock = threading.Lock()


def analysis_debounce() -> float:
    return float(getattr(settings, "OPINIONS_ANALYSIS_DEBOUNCE", 2.0))


def analysis_schedule(conversation: Conversation | int) -> None:
    """Recompute the analysis soon, in the background, after the caller's transaction commits.

    Debounced: the votes arriving while a computation is pending are taken by that
    one. With the task queue's database backend (production, ``make run``) the
    computation is a task run by the worker ``analysis_debounce()`` seconds later, off
    the web processes that carry the live rooms (numpy/scikit-learn work); a backend
    that cannot defer (the immediate one of the tests) keeps the in-process thread."""
    conversation_id = conversation if isinstance(conversation, int) else conversation.pk
    transaction.on_commit(lambda: _start(conversation_id))


# Queued tasks by conversation: when this process last queued one (its debounce window).
_queued_at: dict[int, float] = {}


def _start(conversation_id: int) -> threading.Thread | None:
    from opinions.tasks import compute_analysis  # a cycle: the task module runs analysis_run

    if compute_analysis.get_backend().supports_defer:
        now = time.monotonic()
        with _pending_lock:
            if now - _queued_at.get(conversation_id, -1e9) < analysis_debounce():
                return None  # the task already queued will see these votes
            _queued_at[conversation_id] = now

        enqueue(
            compute_analysis.using(
                run_after=timezone.now() + timedelta(seconds=analysis_debounce())
            ),
            conversation_id,
        )
        return None
    with _pending_lock:
        if conversation_id in _pending:
            return None
        _pending.add(conversation_id)
    thread = threading.Thread(
        target=_run_later, args=(conversation_id,), name="opinions-analysis", daemon=True
    )
    thread.start()
    return thread


_running: dict[int, threading.Lock] = {}


def _run_later(conversation_id: int) -> None:
    try:
        time.sleep(analysis_debounce())
        with _pending_lock:
            _pending.discard(conversation_id)
            running = _running.setdefault(conversation_id, threading.Lock())
        # One computation of a conversation at a time in a process: the next one starts
        # from the state this one stores.
        with running:
            analysis_run(conversation_id)
    except Exception:
        logger.exception("opinions: analysis of conversation %s failed", conversation_id)
    finally:
        with _pending_lock:
            _pending.discard(conversation_id)
        connections.close_all()


def analysis_run(conversation: Conversation | int) -> Analysis:
    """Compute the analysis now (the background thread and the commands call this)."""
    conversation_id = conversation if isinstance(conversation, int) else conversation.pk
    analysis, _created = Analysis.objects.get_or_create(conversation_id=conversation_id)
    started = time.perf_counter()
    result, state, votes_seen = analysis_compute(conversation_id, state=analysis.state)
    duration = int((time.perf_counter() - started) * 1000)
    changed = result != analysis.result
    Analysis.objects.filter(pk=analysis.pk).update(
        result=result,
        state=state,
        votes_seen=votes_seen,
        duration_ms=duration,
        version=F("version") + (1 if changed else 0),
        computed_at=timezone.now(),
    )
    analysis.refresh_from_db()
    if changed:
        _announce(conversation_id, analysis)
    return analysis


def _announce(conversation_id: int, analysis: Analysis) -> None:
    """Tell a live room that the map changed (the page polls otherwise)."""
    workshop_id = (
        Conversation.objects.filter(pk=conversation_id)
        .values_list("workshop_id", flat=True)
        .first()
    )
    if not workshop_id:
        return
    try:
        broadcast_on_commit(
            workshop_id,
            "opinions.analysis",
            {"conversation": conversation_id, "version": analysis.version},
        )
    except Exception:
        logger.warning("opinions: could not tell room %s", workshop_id, exc_info=True)
