"""The sources of a recommendation: proposals and live ideas (which become "retained"),
groups of ideas, finished votes and statements of an opinion map; linking and unlinking."""

from __future__ import annotations

from collections import deque

from django.db import transaction
from django.utils.translation import gettext as _

from decisions.models import (
    NotificationKind,
    Recommendation,
    RecommendationSource,
    RecommendationStatementSource,
    RecommendationVoteSource,
)
from decisions.rules import require_editor
from decisions.services.cleaning import long_text
from decisions.services.history import record_history
from decisions.services.notifications import notify_sources
from decisions.sources import kind_of
from opinions.selectors import statement_provenance
from project.errors import DomainError
from proposals.models import STATUS_TRANSITIONS, ProposalStatus
from proposals.services import proposal_status_change
from votes.models import SessionState
from workshops.grouping import group_ideas


def _path_to_retained(status: str) -> list[str]:
    """The shortest sequence of allowed proposal statuses from ``status`` to "retained"."""
    queue: deque[tuple[str, list[str]]] = deque([(status, [])])
    seen = {status}
    while queue:
        current, path = queue.popleft()
        if current == ProposalStatus.RETAINED:
            return path
        for nxt in STATUS_TRANSITIONS.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*path, str(nxt)]))
    return []


def _retain(*, proposal, actor, recommendation: Recommendation) -> None:
    """Move a source proposal to "retained" through the proposals app's own service."""
    if proposal.status == ProposalStatus.RETAINED:
        return
    path = _path_to_retained(proposal.status)
    if not path:
        raise DomainError(
            "proposal_cannot_be_retained",
            _("La proposition « %(title)s » ne peut pas être retenue depuis son statut actuel.")
            % {"title": proposal.title},
        )
    reason = _("Source de la recommandation « %(title)s ».") % {"title": recommendation.title}
    for status in path:
        proposal = (
            proposal_status_change(proposal=proposal, actor=actor, new_status=status, reason=reason)
            or proposal
        )


@transaction.atomic
def recommendation_source_add(
    *, recommendation: Recommendation, proposal, actor, note: str = ""
) -> RecommendationSource:
    """Link a proposal as a source; it becomes "retained". Linking twice returns the first link."""
    require_editor(actor)
    existing = RecommendationSource.objects.filter(
        recommendation=recommendation, proposal=proposal
    ).first()
    if existing:
        return existing
    if proposal.status == ProposalStatus.MERGED and proposal.merged_into_id:
        raise DomainError(
            "proposal_merged",
            _("Cette proposition a été fusionnée : choisissez plutôt « %(title)s ».")
            % {"title": proposal.merged_into.title},
        )
    if getattr(proposal, "is_hidden", False):
        raise DomainError(
            "proposal_hidden", _("Une proposition masquée ne peut pas servir de source.")
        )
    link = RecommendationSource.objects.create(
        recommendation=recommendation,
        proposal=proposal,
        linked_by=actor,
        note=long_text(note, "note", max_length=2000),
    )
    record_history(
        actor=actor,
        verb="source_added",
        # The origin workshop is kept so that the history never names an idea of a workshop
        # the reader may not see (decisions.selectors.history_for_reader).
        changes={"proposal": ["", proposal.title], "origin": proposal.origin_workshop_id},
        note=link.note,
        recommendation=recommendation,
    )
    _retain(proposal=proposal, actor=actor, recommendation=recommendation)
    if recommendation.is_public:
        notify_sources(
            recommendation=recommendation,
            proposal_ids=[proposal.pk],
            kind=NotificationKind.RECOMMENDATION,
        )
    return link


@transaction.atomic
def recommendation_group_source_add(
    *, recommendation: Recommendation, group, actor, note: str = ""
) -> list[RecommendationSource]:
    """Link every idea of a group of a workshop's wall as a source, keeping the group.

    Each idea becomes a source of its own (its author, supports and comments count in the
    trace as for any proposal), marked with the group and the group's name at this moment.
    Linking the same group again links the ideas added since; an idea already linked keeps
    its first link.
    """
    require_editor(actor)
    ideas = group_ideas([group])[group.pk]
    if not ideas:
        raise DomainError(
            "empty_group",
            _("Ce groupe ne contient aucune idée visible : rien à relier."),
            field="group",
        )
    links = []
    for proposal in ideas:
        link = recommendation_source_add(
            recommendation=recommendation, proposal=proposal, actor=actor, note=note
        )
        if link.idea_group_id is None and not link.idea_group_name:
            link.idea_group = group
            link.idea_group_name = group.name
            link.save(update_fields=["idea_group", "idea_group_name"])
        links.append(link)
    record_history(
        actor=actor,
        verb="group_added",
        changes={"group": ["", group.name], "origin": group.workshop_id},
        note=note,
        recommendation=recommendation,
    )
    return links


@transaction.atomic
def recommendation_vote_source_add(
    *, recommendation: Recommendation, session, actor, note: str = ""
) -> RecommendationVoteSource:
    """Link a finished vote session whose results support the recommendation (idempotent)."""
    require_editor(actor)
    existing = RecommendationVoteSource.objects.filter(
        recommendation=recommendation, session=session
    ).first()
    if existing:
        return existing
    if session.state not in (SessionState.CLOSED, SessionState.PUBLISHED):
        raise DomainError(
            "vote_not_finished",
            _("Seul un vote clos peut appuyer une recommandation."),
            field="session",
        )
    link = RecommendationVoteSource.objects.create(
        recommendation=recommendation,
        session=session,
        linked_by=actor,
        note=long_text(note, "note", max_length=2000),
    )
    record_history(
        actor=actor,
        verb="vote_added",
        changes={"vote": ["", session.title], "origin": session.workshop_id},
        note=link.note,
        recommendation=recommendation,
    )
    return link


@transaction.atomic
def recommendation_statement_source_add(
    *, recommendation: Recommendation, statement, actor, note: str = ""
) -> RecommendationStatementSource:
    """Link a statement of an opinion map as a source (idempotent), keeping what its votes
    said at this moment: overall, by opinion group and by college (small colleges merged)."""
    require_editor(actor)
    existing = RecommendationStatementSource.objects.filter(
        recommendation=recommendation, statement=statement
    ).first()
    if existing:
        return existing
    if statement.is_hidden:
        raise DomainError(
            "statement_hidden", _("Une affirmation masquée ne peut pas servir de source.")
        )
    link = RecommendationStatementSource.objects.create(
        recommendation=recommendation,
        statement=statement,
        provenance=statement_provenance(statement),
        linked_by=actor,
        note=long_text(note, "note", max_length=2000),
    )
    record_history(
        actor=actor,
        # No text in the history: the conversation may be private (the trace shows it
        # to those who may read it).
        verb="statement_added",
        note=link.note,
        recommendation=recommendation,
    )
    return link


@transaction.atomic
def recommendation_source_remove(*, source: RecommendationSource, actor, note: str = "") -> None:
    """Remove a trace link (the proposal keeps its status: it was retained by the Codev)."""
    require_editor(actor)
    record_history(
        actor=actor,
        verb="source_removed",
        changes={
            "proposal": [source.proposal.title, ""],
            "origin": source.proposal.origin_workshop_id,
        },
        note=note,
        recommendation=source.recommendation,
    )
    source.delete()


@transaction.atomic
def recommendation_vote_source_remove(
    *, link: RecommendationVoteSource, actor, note: str = ""
) -> None:
    """Unlink a vote from a recommendation (the vote and its results stay as they are)."""
    require_editor(actor)
    record_history(
        actor=actor,
        verb="vote_removed",
        changes={"vote": [link.session.title, ""], "origin": link.session.workshop_id},
        note=long_text(note, "note", max_length=2000),
        recommendation=link.recommendation,
    )
    link.delete()


def recommendation_link(*, recommendation: Recommendation, source, actor, note: str = ""):
    """Link any kind of source (``decisions.sources``): a proposal or a live idea, a group of
    ideas (each of its ideas), a finished vote. Linking again changes nothing."""
    kind = kind_of(source)
    if kind == "group":
        return recommendation_group_source_add(
            recommendation=recommendation, group=source, actor=actor, note=note
        )
    if kind == "vote":
        return recommendation_vote_source_add(
            recommendation=recommendation, session=source, actor=actor, note=note
        )
    return recommendation_source_add(
        recommendation=recommendation, proposal=source, actor=actor, note=note
    )
