"""« Mes contributions »: what a person did on the platform and what became of it.

Built on ``accounts.privacy.user_rows``, the selector behind the RGPD export:
every row the export holds about the person is on this page, a known model in
its own section, any other one (a model added later, an editor's or a
facilitator's work) under « Autres traces ». A fixed number of queries, whatever
the number of rows: one per (model, field) pointing at the user, plus a few
for what the proposals became. Notifications: the latest 50 here, every one of them on
the notifications page it links to.

A ballot is shown to its voter only, with their own choices (as on the vote
page): this page is never rendered for anyone but the signed-in person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from accounts.privacy import user_rows
from decisions.models import ActionItem, Recommendation, RecommendationSource
from summaries.models import DecisionSummary
from votes.models import MJ_GRADE_LABELS, BallotChoice, Method

# Sections of the page, by the model (and the field that points at the person).
SECTION_OF = {
    ("proposals.proposal", "author"): "proposals",
    ("proposals.support", "user"): "supports",
    ("proposals.comment", "author"): "comments",
    ("proposals.report", "reporter"): "reports",
    ("workshops.participant", "user"): "workshops",
    ("workshops.reaction", "user"): "reactions",
    ("votes.ballot", "voter"): "ballots",
    ("decisions.notification", "recipient"): "notifications",
    ("proposals.statuschange", "actor"): "status_changes",
    ("decisions.follow", "user"): "follows",
    # Hook for the consensus statements (an ``opinions`` app): its statements land in
    # their own section as soon as the app exists, e.g.
    # ("opinions.statement", "author"): "statements",
}
# How each section's rows are fetched (related rows in the same query).
RELATED = {
    "proposals": ("axis", "origin_workshop", "merged_into"),
    "supports": ("proposal", "proposal__axis"),
    "comments": ("proposal",),
    "reports": ("proposal", "comment"),
    "workshops": ("workshop",),
    "reactions": ("proposal", "workshop"),
    "ballots": ("session",),
    "status_changes": ("proposal",),
    "follows": ("proposal", "workshop", "axis", "action"),
}
NOTIFICATIONS_SHOWN = 50


@dataclass
class Contributions:
    proposals: list = field(default_factory=list)
    live_ideas: list = field(default_factory=list)
    statements: list = field(default_factory=list)
    supports: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    workshops: list = field(default_factory=list)
    reactions: list = field(default_factory=list)
    ballots: list = field(default_factory=list)
    follows: list = field(default_factory=list)
    # Status changes this person made (a reviewer's); those without an old status record
    # the posting of their own proposals, already listed above.
    status_changes: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    unread: int = 0
    other: list = field(default_factory=list)
    # proposal id → {"recommendations": [...], "actions": [...], "summaries": [...]}
    became: dict = field(default_factory=dict)

    @property
    def reviewed(self) -> list:
        """Status changes made on proposals (the posting of one's own is the proposal itself)."""
        return [change for change in self.status_changes if change.old_status]

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.proposals,
                self.live_ideas,
                self.statements,
                self.supports,
                self.comments,
                self.reports,
                self.workshops,
                self.reactions,
                self.ballots,
                self.reviewed,
                self.other,
            )
        )


def contributions_of(*, user) -> Contributions:
    """Everything the export holds about ``user``, grouped for the page, with provenance."""
    result = Contributions()
    for model, fk, queryset, owned in user_rows(user=user):
        label = model._meta.label_lower
        section = SECTION_OF.get((label, fk.name))
        if section == "notifications":
            # The latest ones (and whether there are more: the notifications page lists all).
            result.notifications = list(
                queryset.order_by("-created_at", "-pk")[: NOTIFICATIONS_SHOWN + 1]
            )
            result.unread = queryset.filter(read_at__isnull=True).count()
            continue
        if section is None:
            result.other.extend(
                {"label": model._meta.verbose_name, "as": fk.name, "obj": obj, "owned": owned}
                for obj in _order(queryset)
            )
            continue
        rows = list(_order(queryset.select_related(*RELATED.get(section, ()))))
        if section == "proposals":
            for proposal in rows:
                target = result.live_ideas if proposal.origin_workshop_id else result.proposals
                target.append(proposal)
        else:
            getattr(result, section).extend(rows)
    _ballot_choices(result.ballots)
    result.became = _what_became(result.proposals + result.live_ideas, user=user)
    for proposal in result.proposals + result.live_ideas:
        proposal.became = result.became[proposal.pk]
    return result


def _order(queryset: models.QuerySet) -> models.QuerySet:
    names = {f.name for f in queryset.model._meta.concrete_fields}
    for candidate in ("created_at", "joined_at", "linked_at", "date"):
        if candidate in names:
            return queryset.order_by(f"-{candidate}", "-pk")
    return queryset.order_by("-pk")


def _ballot_choices(ballots: list) -> None:
    """Attach to each of the person's ballots their own choices (one query for all)."""
    if not ballots:
        return

    by_ballot: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ballot_id, label, value in (
        BallotChoice.objects.filter(ballot__in=[b.pk for b in ballots])
        .order_by("option__order", "option_id")
        .values_list("ballot_id", "option__label", "value")
    ):
        by_ballot[ballot_id].append({"label": label, "value": value})
    for ballot in ballots:
        choices = by_ballot.get(ballot.pk, [])
        if ballot.session.method == Method.MAJORITY_JUDGMENT:
            for choice in choices:
                choice["shown"] = str(MJ_GRADE_LABELS.get(choice["value"], choice["value"]))
        elif ballot.session.method == Method.DOTS:
            for choice in choices:
                choice["shown"] = choice["value"]
        else:
            choices = [c for c in choices if c["value"]]
        ballot.own_choices = choices


def _what_became(proposals: list, *, user) -> dict[int, dict[str, list]]:
    """Per proposal: the recommendations it feeds, their actions, its workshop's summaries.

    A merged proposal lives on in its target: the target's recommendations count.
    Three queries whatever the number of proposals; only what this person may see.
    """
    if not proposals:
        return {}

    fed_by: dict[int, set[int]] = defaultdict(set)  # proposal id (or its target) → own ids
    for proposal in proposals:
        fed_by[proposal.pk].add(proposal.pk)
        if proposal.merged_into_id:
            fed_by[proposal.merged_into_id].add(proposal.pk)
    became: dict[int, dict[str, list]] = {
        p.pk: {"recommendations": [], "actions": [], "summaries": []} for p in proposals
    }
    visible = Recommendation.objects.visible_to(user)
    rec_of: dict[int, set[int]] = defaultdict(set)
    recommendations: dict[int, Recommendation] = {}
    for source in RecommendationSource.objects.filter(
        proposal_id__in=list(fed_by), recommendation__in=visible
    ).select_related("recommendation"):
        recommendations[source.recommendation_id] = source.recommendation
        for own in fed_by[source.proposal_id]:
            if source.recommendation_id not in rec_of[own]:
                rec_of[own].add(source.recommendation_id)
                became[own]["recommendations"].append(source.recommendation)
    if recommendations:
        actions = ActionItem.objects.visible_to(user).filter(recommendation_id__in=recommendations)
        by_rec: dict[int, list] = defaultdict(list)
        for action in actions.order_by("due_date", "pk"):
            by_rec[action.recommendation_id].append(action)
        for own, rec_ids in rec_of.items():
            for rec_id in sorted(rec_ids):
                became[own]["actions"].extend(by_rec.get(rec_id, []))
    workshop_ids = {p.origin_workshop_id for p in proposals if p.origin_workshop_id}
    if workshop_ids:
        summaries = DecisionSummary.objects.filter(
            workshop_id__in=workshop_ids, current_version__isnull=False
        )
        by_workshop: dict[int, list] = defaultdict(list)
        for summary in summaries.order_by("pk"):
            by_workshop[summary.workshop_id].append(summary)
        for proposal in proposals:
            if proposal.origin_workshop_id:
                became[proposal.pk]["summaries"] = by_workshop.get(proposal.origin_workshop_id, [])
    return became
