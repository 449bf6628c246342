"""Vote actions over the workshop socket: the same services as the pages and the API.

    {"action": "vote.cast", "ref": "c-3", "data": {"session": 12, "choices": {"31": 1}}}
    {"action": "vote.cast", "ref": "c-4", "data": {"session": 13, "answer": "hydrogène"}}
    {"action": "vote.get", "data": {"session": 12}}        session, turnout, my ballot, results if shown
    {"action": "vote.open" | "vote.close" | "vote.reveal" | "vote.publish", "data": {"session": 12}}
    {"action": "vote.hide_answer" | "vote.restore_answer", "data": {"session": 13, "answer": 88}}
    {"action": "vote.hide_word" | "vote.restore_word", "data": {"session": 13, "word": "…"}}

The acks carry no one else's ballot: the caller's own status, the turnout and
(when the reveal mode allows) aggregate results. Tallies reach the room as
coalesced ``vote.tally`` snapshots (``votes.live``), never one per ballot.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from project.errors import DomainError, NotFoundError
from project.ids import parse_id
from realtime.actions import register
from votes import live, rules, selectors
from votes.batch import get_writer
from votes.models import SessionState, VoteSession
from votes.services.ballots import BallotRequest
from votes.services.lifecycle import (
    session_close,
    session_open,
    session_public_data,
    session_publish,
    session_reveal,
)
from votes.services.moderation import answer_hide, word_hide


def _session(ctx, data: dict) -> VoteSession:
    """The session named in the frame, which must belong to this socket's workshop."""
    raw = _session_id(data)
    # The socket's own access check (workshop visible, participant not removed) already ran
    # when it connected; the services re-read and lock what they depend on.
    session = (
        VoteSession.objects.select_related("workshop")
        .filter(pk=raw, workshop_id=ctx.workshop.pk)
        .first()
    )
    if session is None or (session.state == SessionState.DRAFT and not ctx.is_facilitator):
        raise NotFoundError("not_found", _("Ce vote n'existe pas ou n'est pas accessible."))
    return session


def _session_id(data) -> int:
    if not isinstance(data, dict):
        raise DomainError("invalid", _("Message invalide."))
    session_id = parse_id(data.get("session"))
    if session_id is None:
        raise DomainError("invalid", _("Indiquez le vote concerné."), field="session")
    return session_id


@register("vote.cast")
async def vote_cast(ctx, data: dict) -> dict:
    """Through the process's ballot writer (``votes.batch``): ballots arriving together
    are recorded in one transaction, each answered with its own outcome."""
    session_id = _session_id(data)
    choices = data.get("choices") or {}
    answer = data.get("answer") or ""
    if not isinstance(choices, dict) or not isinstance(answer, str):
        raise DomainError("invalid", _("Une valeur du bulletin est invalide."), field="choices")
    request = BallotRequest(
        session=session_id,
        voter=ctx.user,
        choices=choices,
        answer=answer,
        workshop_id=ctx.workshop.pk,
    )
    try:
        _ballot, changed = await get_writer().cast(request)
    except DomainError as error:
        if error.code == "not_found":
            raise NotFoundError(
                "not_found", _("Ce vote n'existe pas ou n'est pas accessible.")
            ) from None
        raise
    # The turnout reaches everyone in the next vote.tally snapshot; the ack stays cheap.
    return {"session": session_id, "status": "changed" if changed else "recorded"}


@register("vote.get")
def vote_get(ctx, data: dict) -> dict:
    session = _session(ctx, data)
    own = selectors.own_ballot(session, ctx.user) if rules.can_vote(ctx.user, session) else None
    body: dict[str, Any] = {
        **session_public_data(session),
        "turnout": selectors.turnout(session),
        "can_vote": rules.can_vote(ctx.user, session) and session.accepts_ballots(),
        "my_ballot": {
            "choices": {str(k): v for k, v in own["choices"].items()},
            "answer": own["answer"],
        }
        if own
        else None,
    }
    if rules.can_see_results(ctx.user, session):
        body["results"] = live.results_shown(session)
    return body


def _actor(ctx):
    """The account as it is now, for the facilitators' actions (rare): the socket's user was
    loaded when it connected, and a deactivated account must manage nothing. The services
    read the workshop's facilitators themselves (``_session`` loads a fresh workshop)."""
    return get_user_model().objects.filter(pk=ctx.user.pk).first() or AnonymousUser()


def _state_action(service):
    def handler(ctx, data: dict) -> dict:
        session = service(session=_session(ctx, data), actor=_actor(ctx))
        return {"session": session.pk, "state": session.state}

    return handler


register("vote.open")(_state_action(session_open))
register("vote.close")(_state_action(session_close))
register("vote.reveal")(_state_action(session_reveal))
register("vote.publish")(_state_action(session_publish))


def _answer_action(hidden: bool):
    def handler(ctx, data: dict) -> dict:
        session = _session(ctx, data)
        answer = parse_id(data.get("answer"))
        if answer is None:
            raise DomainError("invalid", _("Indiquez la réponse concernée."), field="answer")
        answer_hide(session=session, actor=_actor(ctx), ballot_id=answer, hidden=hidden)
        return {"session": session.pk, "answer": answer, "hidden": hidden}

    return handler


def _word_action(hidden: bool):
    def handler(ctx, data: dict) -> dict:
        session = _session(ctx, data)
        word = data.get("word")
        if not isinstance(word, str):
            raise DomainError("invalid", _("Indiquez le mot concerné."), field="word")
        word_hide(session=session, actor=_actor(ctx), word=word, hidden=hidden)
        return {"session": session.pk, "hidden_words": session.hidden_words}

    return handler


register("vote.hide_answer")(_answer_action(True))
register("vote.restore_answer")(_answer_action(False))
register("vote.hide_word")(_word_action(True))
register("vote.restore_word")(_word_action(False))
