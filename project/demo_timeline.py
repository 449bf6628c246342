"""The demo's story over months: dates what the demo seed created, as if it had happened.

The services record ``now`` for everything they write (a proposal, a support, a status change,
a recommendation's adoption...): seeded in one go, the whole demo would be dated the minute of
``make run``. This pass, run by ``seed_demo`` last, rewrites the dates of the rows created by
that run only (``created_at >= since``: data already there, the demo of an earlier run
included, is never touched) so that the process reads as it would have unfolded:

- the launch workshop (November 2024) opens the process; the people join around it;
- the board's proposals arrive over the months since, each before the recommendations it fed;
- the founding document's recommendations are adopted and published a few weeks before their
  first action starts; action updates and measurements are recorded on their own dates;
- supports, comments, status changes and notifications follow the proposal they are about;
- the live workshop stays live now and the scheduled one stays ahead.

Dates are deterministic (from primary keys), so two runs tell the same story.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from decisions.models import (
    ActionItem,
    ActionUpdate,
    HistoryEntry,
    Measurement,
    Notification,
    NotificationKind,
    Recommendation,
    RecommendationSource,
)
from proposals.models import Comment, Proposal, StatusChange, Support
from summaries.models import DecisionSummary, SummaryVersion
from workshops.models import Participant, Phase, Workshop, WorkshopState

LAUNCH = datetime(2024, 11, 19, 17, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _at(on, hour: int = 10) -> datetime:
    """A date as a moment of a working day (10:00 UTC unless said)."""
    return datetime.combine(on, time(hour, 0), tzinfo=UTC)


def _cap(moment: datetime, now: datetime) -> datetime:
    return min(moment, now - timedelta(hours=1))


@transaction.atomic
def spread(*, since: datetime, now: datetime | None = None) -> None:
    now = now or timezone.now()
    _people(since)
    workshops = _workshops(since, now)
    recommendations = _recommendations(since, now)
    proposals = _proposals(since, now, recommendations, workshops)
    _proposal_activity(since, now, proposals)
    _actions_and_indicators(since, now, recommendations)
    _notifications(since, now, proposals, recommendations)
    _summaries(since, now)


def _people(since) -> None:
    for i, user in enumerate(User.objects.filter(date_joined__gte=since).order_by("pk")):
        joined = LAUNCH - timedelta(days=14) + timedelta(days=2 * i)
        User.objects.filter(pk=user.pk).update(
            date_joined=joined,
            terms_accepted_at=joined if user.terms_accepted_at else None,
        )


def _workshops(since, now) -> dict[int, str]:
    """Past workshops dated on their evening; the others created a few weeks ahead.
    Returns {workshop id: state} of the workshops created by this run."""
    states = {}
    for workshop in Workshop.objects.filter(created_at__gte=since):
        states[workshop.pk] = workshop.state
        if workshop.state in (WorkshopState.CLOSED, WorkshopState.PUBLISHED):
            start, end = workshop.starts_at, workshop.ends_at or workshop.starts_at
            Workshop.objects.filter(pk=workshop.pk).update(
                created_at=start - timedelta(days=30), started_at=start, closed_at=end
            )
            Participant.objects.filter(workshop=workshop).update(
                joined_at=start + timedelta(minutes=5)
            )
            moment = start
            for phase in Phase.objects.filter(workshop=workshop).order_by("order"):
                ended = moment + timedelta(minutes=phase.planned_minutes or 10)
                Phase.objects.filter(pk=phase.pk).update(
                    started_at=moment if phase.started_at else None,
                    ended_at=min(ended, end) if phase.started_at else None,
                )
                moment = ended
        else:
            Workshop.objects.filter(pk=workshop.pk).update(
                created_at=_cap(min(workshop.starts_at, now) - timedelta(days=21), now)
            )
    return states


def _recommendations(since, now) -> dict[int, datetime]:
    """Each recommendation published ~3 weeks before its first action starts (never before
    the process's first weeks); adopted a week before, drafted a month before that.
    Returns {recommendation id: created_at}."""
    created = {}
    for rec in Recommendation.objects.filter(created_at__gte=since).order_by("pk"):
        starts = [
            d
            for a in ActionItem.objects.filter(recommendation=rec)
            for d in [a.start_date, *a.updates.values_list("date", flat=True)]
            if d
        ]
        first = _at(min(starts)) if starts else now - timedelta(days=60)
        published = _cap(max(first - timedelta(days=21), LAUNCH + timedelta(days=45)), now)
        adopted = published - timedelta(days=7)
        drafted = adopted - timedelta(days=30)
        fields = {"created_at": drafted, "updated_at": published}
        if rec.adopted_at:
            fields["adopted_at"] = adopted
        if rec.published_at:
            fields["published_at"] = published
        Recommendation.objects.filter(pk=rec.pk).update(**fields)
        created[rec.pk] = drafted
        # Sources from the board were there when it was drafted; ideas from today's live
        # workshop keep the moment they were added.
        RecommendationSource.objects.filter(recommendation=rec, linked_at__gte=since).exclude(
            proposal__origin_workshop__state=WorkshopState.LIVE
        ).update(linked_at=drafted + DAY)
        history = HistoryEntry.objects.filter(recommendation=rec, created_at__gte=since)
        history.filter(verb="created").update(created_at=drafted)
        history.filter(verb="source_added").exclude(note__contains="atelier,").update(
            created_at=drafted + DAY
        )
        for entry in history.filter(verb="status_changed"):
            new = (entry.changes.get("status") or [None, None])[-1]
            moment = published if new == "published" else adopted
            HistoryEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    return created


def _proposals(since, now, recommendations, workshops) -> dict[int, datetime]:
    """Board proposals over the months since the launch, each before the first recommendation
    it fed; ideas of a past workshop during its evening. Returns {proposal id: created_at}."""
    fed = {}
    for proposal_id, rec_id in RecommendationSource.objects.filter(
        recommendation_id__in=recommendations
    ).values_list("proposal_id", "recommendation_id"):
        if proposal_id is None:
            continue  # a group of ideas
        moment = recommendations[rec_id]
        fed[proposal_id] = min(fed.get(proposal_id, moment), moment)
    past = {
        w.pk: w
        for w in Workshop.objects.filter(
            pk__in=workshops, state__in=[WorkshopState.CLOSED, WorkshopState.PUBLISHED]
        )
    }
    board = list(
        Proposal.objects.filter(created_at__gte=since, origin_workshop__isnull=True).order_by("pk")
    )
    # Proposals that fed a recommendation came before it; the others keep the board alive
    # over the last year (one every few weeks, the latest a couple of days ago).
    dated = {}
    for i, proposal in enumerate(p for p in board if p.pk in fed):
        moment = fed[proposal.pk] - timedelta(days=5 + 4 * (i % 5))
        dated[proposal.pk] = max(moment, LAUNCH + DAY)
    rest = [p for p in board if p.pk not in fed]
    start, end = now - timedelta(days=330), now - timedelta(days=2)
    for i, proposal in enumerate(rest):
        dated[proposal.pk] = start + (end - start) * (i + 1) / len(rest)
    for workshop in past.values():
        ideas = Proposal.objects.filter(origin_workshop=workshop, created_at__gte=since).order_by(
            "pk"
        )
        for i, idea in enumerate(ideas):
            dated[idea.pk] = workshop.starts_at + timedelta(minutes=35 + 4 * i)
    for pk, moment in dated.items():
        Proposal.objects.filter(pk=pk).update(created_at=moment, updated_at=moment)
    return dated


def _proposal_activity(since, now, proposals) -> None:
    """Supports, comments and status changes in the days and weeks after their proposal."""
    for model, field, base in ((Support, "created_at", 1), (Comment, "created_at", 2)):
        rows = model.objects.filter(proposal_id__in=proposals, **{f"{field}__gte": since})
        for pk, proposal_id in rows.values_list("pk", "proposal_id"):
            moment = proposals[proposal_id] + timedelta(days=base + pk % 23, hours=pk % 9)
            model.objects.filter(pk=pk).update(**{field: _cap(moment, now)})
    rows = StatusChange.objects.filter(proposal_id__in=proposals, created_at__gte=since)
    step: dict[int, int] = {}
    for pk, proposal_id in rows.order_by("pk").values_list("pk", "proposal_id"):
        step[proposal_id] = step.get(proposal_id, 0) + 1
        moment = proposals[proposal_id] + timedelta(days=3 + 9 * step[proposal_id])
        StatusChange.objects.filter(pk=pk).update(created_at=_cap(moment, now))


def _actions_and_indicators(since, now, recommendations) -> None:
    """Actions created when their recommendation was published; updates and measurements
    recorded on their own dates (a measurement entered a fortnight after its date)."""
    published = dict(
        Recommendation.objects.filter(pk__in=recommendations).values_list("pk", "published_at")
    )
    for action in ActionItem.objects.filter(created_at__gte=since).order_by("pk"):
        base = published.get(action.recommendation_id) or recommendations.get(
            action.recommendation_id
        )
        if base is None:
            continue
        created = base + timedelta(days=3)
        updates = list(action.updates.order_by("date", "pk"))
        last = _at(updates[-1].date) if updates else created
        ActionItem.objects.filter(pk=action.pk).update(
            created_at=created, updated_at=_cap(max(created, last), now)
        )
        for update in updates:
            ActionUpdate.objects.filter(pk=update.pk).update(created_at=_cap(_at(update.date), now))
        history = HistoryEntry.objects.filter(action=action, created_at__gte=since)
        history.filter(verb="created").update(created_at=created)
        reports = list(history.filter(verb="reported").order_by("pk"))
        for entry, update in zip(reports, updates, strict=False):
            HistoryEntry.objects.filter(pk=entry.pk).update(created_at=_cap(_at(update.date), now))
    for measurement in Measurement.objects.filter(created_at__gte=since).order_by("pk"):
        Measurement.objects.filter(pk=measurement.pk).update(
            created_at=_cap(_at(measurement.date) + timedelta(days=15), now)
        )
    for entry in HistoryEntry.objects.filter(indicator__isnull=False, created_at__gte=since):
        if entry.verb == "created":
            moment = LAUNCH + timedelta(days=30)
        else:
            on = (entry.changes.get("date") or [None, None])[-1]
            try:
                moment = _at(datetime.fromisoformat(on).date()) + timedelta(days=15)
            except (TypeError, ValueError):
                continue
        HistoryEntry.objects.filter(pk=entry.pk).update(created_at=_cap(moment, now))


def _notifications(since, now, proposals, recommendations) -> None:
    """A notification dated by what it tells: the proposal's latest status change, or the
    publication of the recommendation that took it up; those of more than a month ago read."""
    latest: dict[int, datetime] = {}
    for proposal_id, moment in StatusChange.objects.filter(proposal_id__in=proposals).values_list(
        "proposal_id", "created_at"
    ):
        latest[proposal_id] = max(latest.get(proposal_id, moment), moment)
    taken_up: dict[int, datetime] = {}
    for rec in Recommendation.objects.filter(pk__in=recommendations).prefetch_related("sources"):
        for source in rec.sources.all():
            if source.proposal_id is None:
                continue
            moment = rec.published_at or rec.created_at
            taken_up[source.proposal_id] = min(taken_up.get(source.proposal_id, moment), moment)
    rows = Notification.objects.filter(created_at__gte=since, proposal_id__in=proposals)
    for pk, kind, proposal_id in rows.values_list("pk", "kind", "proposal_id"):
        moment = (
            taken_up.get(proposal_id)
            if kind == NotificationKind.RECOMMENDATION
            else latest.get(proposal_id)
        ) or proposals[proposal_id] + DAY
        moment = _cap(moment, now)
        read = moment + DAY if moment < now - timedelta(days=30) else None
        Notification.objects.filter(pk=pk).update(created_at=moment, read_at=read)


def _summaries(since, now) -> None:
    """A past workshop's summary published ten days after it closed."""
    closed = DecisionSummary.objects.filter(
        created_at__gte=since,
        workshop__state__in=[WorkshopState.CLOSED, WorkshopState.PUBLISHED],
        workshop__closed_at__isnull=False,
    ).select_related("workshop")
    for summary in closed:
        published = _cap(summary.workshop.closed_at + timedelta(days=10), now)
        DecisionSummary.objects.filter(pk=summary.pk).update(
            created_at=published - timedelta(days=3),
            updated_at=published,
            generated_at=published - timedelta(hours=2),
        )
        versions = SummaryVersion.objects.filter(summary=summary)
        versions.update(generated_at=published - timedelta(hours=2))
        versions.exclude(published_at=None).update(published_at=published)
