"""« Faire de ce résultat une recommandation »: a draft recommendation pre-filled from a
finished vote, a group of ideas or a proposal."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from decisions.models import Recommendation
from decisions.rules import require_editor
from decisions.services.cleaning import TEXT_MAX
from decisions.services.recommendations import recommendation_create
from decisions.services.source_links import (
    recommendation_group_source_add,
    recommendation_source_add,
)
from decisions.sources import kind_of
from project.errors import DomainError
from project.text import clean_line
from proposals.models import Axis, Proposal
from votes.models import SessionState
from votes.selectors import results_compute
from workshops.grouping import group_ideas

DRAFT_BODY_OPTIONS = 5


def _axis_for(source, proposals: list):
    """The axis a draft from ``source`` starts on: its own, its proposals' most common one,
    its workshop's first, or the first axis (the editor checks it on the form)."""
    own = getattr(source, "axis", None)
    if own is not None:
        return own
    counted = Counter(p.axis_id for p in proposals if p.axis_id)
    if counted:
        return Axis.objects.get(pk=counted.most_common(1)[0][0])
    workshop = getattr(source, "workshop", None)
    if workshop is not None and (axis := workshop.axes.order_by("order").first()):
        return axis
    return Axis.objects.order_by("order").first()


def _draft_from_vote(session) -> dict:
    results = results_compute(session)
    ranked = [o for o in results.options if o.get("rank") is not None]
    first = [o for o in ranked if o["rank"] == 1]
    proposals = list(
        Proposal.objects.filter(
            pk__in=[o["proposal"] for o in first if o.get("proposal")], is_hidden=False
        ).exclude(status="merged")
    )
    lines = [
        ngettext(
            "Résultat du vote « %(title)s » (%(n)d bulletin) :",
            "Résultat du vote « %(title)s » (%(n)d bulletins) :",
            results.ballots,
        )
        % {"title": session.title, "n": results.ballots},
        "",
    ]
    for option in ranked[:DRAFT_BODY_OPTIONS]:
        grade = option.get("majority_grade_label")
        lines.append(
            f"{option['rank']}. {clean_line(option['label'])}" + (f" — {grade}" if grade else "")
        )
    return {
        "title": first[0]["label"] if first else session.title,
        "body": "\n".join(lines),
        "proposals": proposals,
        "vote_session": session,
        "axis": _axis_for(session, proposals),
        # On the winning proposals' links (the vote's own link needs no note).
        "note": _("En tête du vote « %(title)s »") % {"title": session.title},
    }


def _draft_from_group(group) -> dict:
    ideas = group_ideas([group])[group.pk]
    body = "\n".join(
        [
            _("Idées du groupe « %(name)s », atelier « %(workshop)s » :")
            % {"name": group.name, "workshop": group.workshop.title},
            "",
            *[f"- {clean_line(idea.title)}" for idea in ideas],
        ]
    )

    full = list(Proposal.objects.filter(pk__in=[i.pk for i in ideas]).only("id", "axis_id"))
    return {
        "title": group.name,
        "body": body,
        "group": group,
        "axis": _axis_for(group, full),
    }


def _draft_from_proposal(proposal) -> dict:
    return {
        "title": proposal.title,
        "body": proposal.body,
        "proposals": [proposal],
        "axis": proposal.axis,
    }


@transaction.atomic
def recommendation_draft_from(*, actor, source, request=None) -> Recommendation:
    """« Faire de ce résultat une recommandation »: a draft pre-filled from a finished vote
    (its winner as the title, its ranking as the text, the vote and its winning proposals as
    sources), a group of ideas (its name, its ideas listed and linked) or a proposal (its
    title, text and itself as the source). The editor then rewrites it on the form.

    ``source`` is read with ``decisions.sources.get`` (what this editor may see)."""
    require_editor(actor)
    kind = kind_of(source)
    if kind == "vote":
        if source.state not in (SessionState.CLOSED, SessionState.PUBLISHED):
            raise DomainError(
                "vote_not_finished", _("Seul un vote clos peut appuyer une recommandation.")
            )
        draft = _draft_from_vote(source)
    elif kind == "group":
        draft = _draft_from_group(source)
    else:
        draft = _draft_from_proposal(source)
    if draft["axis"] is None:
        raise DomainError("no_axis", _("Créez d'abord un axe ou un thème transversal."))
    recommendation = recommendation_create(
        actor=actor,
        title=clean_line(draft["title"])[:200] or _("Nouvelle recommandation"),
        axis=draft["axis"],
        body=draft["body"][:TEXT_MAX],
        vote_session=draft.get("vote_session"),
        request=request,
    )
    for proposal in draft.get("proposals", ()):
        recommendation_source_add(
            recommendation=recommendation,
            proposal=proposal,
            actor=actor,
            note=draft.get("note", "")[:2000],
        )
    if "group" in draft:
        recommendation_group_source_add(
            recommendation=recommendation, group=draft["group"], actor=actor
        )
    return recommendation
