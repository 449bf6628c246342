"""Moderation of open answers: hiding an answer, or a word of the cloud, and restoring it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError, PermissionDeniedError
from votes import live, rules, tally
from votes.models import AnswerWord, Ballot, VoteSession
from votes.services.lifecycle import locked_session


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
    locked = locked_session(session)
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
