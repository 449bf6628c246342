"""A draft vote session and its options: ``session_create``, in named steps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import audit_record
from project.errors import DomainError, PermissionDeniedError
from project.text import clean_line
from votes import rules
from votes.models import Method, Reveal, VoteOption, VoteSession

# The module, not the name: workshops.grouping imports votes.services (a vote on the wall's
# groups), so either may be the one being initialised when the other is imported.
from workshops import grouping as workshop_grouping

MAX_OPTIONS = 40
MIN_OPTIONS = {Method.POLL: 2, Method.SUPPORT: 1, Method.DOTS: 1, Method.MAJORITY_JUDGMENT: 1}

# An option before it is saved: (proposal or None, label, description, idea group or None).
Option = tuple[Any, str, str, Any]


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
    _check_may_create(actor, workshop)
    _check_settings(
        method=method,
        reveal=reveal,
        workshop=workshop,
        starts_at=starts_at,
        ends_at=ends_at,
        dot_budget=dot_budget,
        dot_cap=dot_cap,
        max_choices=max_choices,
    )
    options = _options_from(proposals, labels)
    options += _options_from_groups(list(groups), workshop)
    _check_option_count(method, options)
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
        _save_options(session, options)
    audit_record(
        actor=actor, action="vote.created", target=session, data={"method": method}, request=request
    )
    return session


def _save_options(session: VoteSession, options: list[Option]) -> None:
    VoteOption.objects.bulk_create(
        [
            VoteOption(
                session=session,
                proposal=proposal,
                label=label,
                order=i,
                description=description,
                idea_group=group,
            )
            for i, (proposal, label, description, group) in enumerate(options)
        ]
    )


def _check_may_create(actor, workshop) -> None:
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


def _check_settings(
    *,
    method: str,
    reveal: str,
    workshop,
    starts_at: datetime | None,
    ends_at: datetime | None,
    dot_budget: int,
    dot_cap: int,
    max_choices: int | None,
) -> None:
    if method not in Method.values:
        raise DomainError("invalid_method", _("Choisissez une méthode de vote."), field="method")
    if reveal not in Reveal.values:
        raise DomainError(
            "invalid_reveal", _("Choisissez quand montrer les résultats."), field="reveal"
        )
    if workshop is None:
        _check_board_dates(starts_at, ends_at)
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


def _check_board_dates(starts_at: datetime | None, ends_at: datetime | None) -> None:
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


def _options_from(proposals: Iterable, labels: Iterable[str]) -> list[Option]:
    """Proposals (each once), then the free labels not already there."""
    options: list[Option] = []
    seen: set[int] = set()
    for proposal in proposals:
        if proposal.pk not in seen:
            seen.add(proposal.pk)
            options.append((proposal, clean_line(proposal.title, max_length=200), "", None))
    for label in labels:
        label = clean_line(label, max_length=200)
        if label and label not in [existing for _p, existing, _d, _g in options]:
            options.append((None, label, "", None))
    return options


def _options_from_groups(groups: list, workshop) -> list[Option]:
    """One option per non-empty group of the workshop's wall, its ideas as description."""
    if not groups:
        return []
    if workshop is None or any(g.workshop_id != workshop.pk for g in groups):
        raise DomainError(
            "invalid_groups",
            _("Seuls les groupes d'idées de cet atelier peuvent devenir des options."),
            field="options",
        )
    ideas = workshop_grouping.group_ideas(groups)
    return [
        (
            None,
            clean_line(group.name, max_length=200),
            "\n".join(clean_line(p.title, max_length=200) for p in ideas[group.pk]),
            group,
        )
        for group in groups
        if ideas[group.pk]  # an empty group is not an option
    ]


def _check_option_count(method: str, options: list[Option]) -> None:
    if method == Method.OPEN_QUESTION:
        return
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


def _clean_title(title: str) -> str:
    title = clean_line(title, max_length=200)
    if not title:
        raise DomainError("invalid_title", _("Donnez un titre au vote."), field="title")
    return title
