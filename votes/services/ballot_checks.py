"""A ballot's content against its session's method: the values, the budget, the number of
choices; an open answer's length and words. Pure checks: no query, no write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from project.errors import DomainError
from project.text import clean_line
from votes import tally
from votes.models import ANSWER_MAX_LENGTH, Method, VoteSession


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
    cleaned = _parsed(choices, option_ids)
    method = session.method
    if method == Method.MAJORITY_JUDGMENT:
        return _clean_grades(cleaned)
    if any(v < 0 for v in cleaned.values()):
        raise DomainError(
            "invalid_choice", _("Une valeur du bulletin est invalide."), field="choices"
        )
    cleaned = {k: v for k, v in cleaned.items() if v}
    if method == Method.DOTS:
        return _clean_dots(session, cleaned)
    # Support and poll: a choice is a yes.
    cleaned = dict.fromkeys(cleaned, 1)
    if method == Method.POLL:
        if len(cleaned) != 1:
            raise DomainError("choose_one", _("Choisissez une réponse."), field="choices")
        return cleaned
    return _clean_support(session, cleaned)


def _parsed(choices: Mapping[Any, Any] | None, option_ids: set[int]) -> dict[int, int]:
    """{option id: value} as integers, every option one of the session's."""
    cleaned: dict[int, int] = {}
    for key, value in dict(choices or {}).items():
        option_id = _as_int(key, field="choices")
        if option_id not in option_ids:
            raise DomainError(
                "unknown_option",
                _("Une option choisie ne fait pas partie de ce vote."),
                field="choices",
            )
        cleaned[option_id] = _as_int(value, field=f"option-{option_id}")
    return cleaned


def _clean_grades(cleaned: dict[int, int]) -> dict[int, int]:
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


def _clean_dots(session: VoteSession, cleaned: dict[int, int]) -> dict[int, int]:
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


def _clean_support(session: VoteSession, cleaned: dict[int, int]) -> dict[int, int]:
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
