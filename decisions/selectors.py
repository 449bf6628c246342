"""Reads of the decision pages, each with a fixed number of queries whatever the row count."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import College
from decisions.charts import indicator_line_chart
from decisions.indicators import Point, Trend, compute_trend
from decisions.models import (
    ActionItem,
    ActionStatus,
    Indicator,
    Measurement,
    Notification,
    Recommendation,
    RecommendationStatus,
    action_status_counted,
    recommendation_status_counted,
)
from decisions.trace import private_group_label, private_idea_label, private_vote_label
from project.ids import parse_id
from proposals.models import Axis, Proposal, ProposalStatus
from votes.models import VoteSession
from votes.selectors import college_label, colleges_shown
from votes.tally import OTHERS
from workshops.models import IdeaGroup, Participant, Workshop, is_publicly_visible
from workshops.rules import can_see_workshop
from workshops.selectors import participant_for

# --- Lookups that answer 404 ------------------------------------------------------------------


def _is_id(pk) -> bool:
    """A primary key the database can hold (a bigger number would be a 500, not a 404)."""
    return isinstance(pk, int) and parse_id(pk) is not None


def get_recommendation_for_user(user, pk: int):
    """The recommendation if ``user`` may see it, else 404 (drafts don't exist for the public)."""
    if not _is_id(pk):
        raise Http404(_("Recommandation introuvable."))
    try:
        return (
            Recommendation.objects.visible_to(user).select_related("axis", "created_by").get(pk=pk)
        )
    except Recommendation.DoesNotExist:
        raise Http404(_("Recommandation introuvable.")) from None


def get_action_for_user(user, pk: int):
    """The action item if ``user`` may see its recommendation, else 404."""
    if not _is_id(pk):
        raise Http404(_("Action introuvable."))
    try:
        return (
            ActionItem.objects.visible_to(user)
            .select_related("recommendation", "recommendation__axis")
            .get(pk=pk)
        )
    except ActionItem.DoesNotExist:
        raise Http404(_("Action introuvable.")) from None


# --- Indicators --------------------------------------------------------------------------------


@dataclass
class IndicatorView:
    indicator: Indicator
    measurements: list[Measurement]
    trend: Trend


def indicator_view(
    indicator: Indicator, measurements: list[Measurement], today: date
) -> IndicatorView:
    points = [Point(m.date, m.value) for m in measurements]
    trend = compute_trend(
        measurements=points,
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target=indicator.target_2030,
        direction=indicator.direction,
        today=today,
    )
    return IndicatorView(indicator, measurements, trend)


def indicators_with_trends(queryset=None, today: date | None = None) -> list[IndicatorView]:
    """Indicators with their measurements and trends: 2 queries (indicators, measurements)."""
    today = today or timezone.localdate()
    qs = (queryset if queryset is not None else Indicator.objects.all()).select_related("axis")
    qs = qs.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("date"))
    )
    return [indicator_view(i, list(i.measurements.all()), today) for i in qs]


def indicator_chart(view: IndicatorView):
    points = [Point(m.date, m.value) for m in view.measurements]
    return indicator_line_chart(view.trend, points)


def tracker_actions(*, user, filters: dict) -> list[ActionItem]:
    """The public tracker: visible actions, filtered; 2 queries (actions with recommendation
    and axis, and the last update date of each in the same query via annotation)."""
    qs = (
        ActionItem.objects.visible_to(user)
        .select_related("recommendation", "recommendation__axis")
        .annotate(last_update=Max("updates__date"))
        .order_by("recommendation__axis__order", "due_date", "pk")
    )
    if filters.get("axis"):
        qs = qs.filter(recommendation__axis=filters["axis"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("owner"):
        qs = qs.filter(owner_kind=filters["owner"])
    if filters.get("overdue"):
        qs = qs.overdue()
    if filters.get("q"):
        q = filters["q"]
        # Both languages of the titles: a page in English finds what has no English title yet.
        qs = qs.filter(
            Q(title_fr__icontains=q)
            | Q(title_en__icontains=q)
            | Q(owner_name__icontains=q)
            | Q(recommendation__title_fr__icontains=q)
            | Q(recommendation__title_en__icontains=q)
        )
    return list(qs)


def group_by_axis(actions: list[ActionItem]) -> list[tuple[object, list[ActionItem]]]:
    groups: dict[int, tuple[object, list[ActionItem]]] = {}
    for action in actions:
        axis = action.recommendation.axis
        groups.setdefault(axis.pk, (axis, []))[1].append(action)
    return list(groups.values())


def status_counts(actions: list[ActionItem], today: date) -> dict:
    counts = Counter(a.status for a in actions)
    return {
        "by_status": [
            (value, action_status_counted(value, n), n)
            for value, n in ((v, counts.get(v, 0)) for v in ActionStatus.values)
        ],
        "overdue": sum(1 for a in actions if a.is_overdue_on(today)),
        "total": len(actions),
    }


def axis_decisions(*, axis, user) -> dict:
    """An axis page's recommendations, action items and indicators: 4 queries."""
    today = timezone.localdate()
    recommendations = list(
        Recommendation.objects.visible_to(user)
        .filter(axis=axis)
        .with_counts()
        .order_by("-created_at")
    )
    actions = list(
        ActionItem.objects.visible_to(user)
        .filter(recommendation__axis=axis)
        .select_related("recommendation")
        .order_by("due_date", "pk")
    )
    indicators = indicators_with_trends(Indicator.objects.filter(axis=axis), today=today)
    return {
        "axis": axis,
        "recommendations": recommendations,
        "actions": actions,
        "indicators": indicators,
        "today": today,
    }


def unread_notification_count(user) -> int:
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- Dashboard -------------------------------------------------------------------------------


def dashboard_data(*, user, today: date | None = None) -> dict:
    """Everything /tableau-de-bord/ shows, in a fixed number of aggregate queries."""
    today = today or timezone.localdate()
    colleges, participation = _participation_by_month()
    statuses, proposals_by_axis = _proposals_by_axis()
    recommendation_counts = Counter(
        dict(
            Recommendation.objects.visible_to(user)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    actions = list(ActionItem.objects.visible_to(user).only("id", "status", "due_date", "progress"))
    action_summary = status_counts(actions, today)
    indicators = indicators_with_trends(today=today)
    return {
        "colleges": colleges,
        "participation": participation,
        "participation_chart": participation_bars(participation, len(colleges)),
        "statuses": statuses,
        "proposals_by_axis": proposals_by_axis,
        "recommendations": [
            (v, recommendation_status_counted(v, n), n)
            for v, n in ((v, recommendation_counts.get(v, 0)) for v in RecommendationStatus.values)
        ],
        "recommendations_adopted": recommendation_counts.get(RecommendationStatus.ADOPTED, 0)
        + recommendation_counts.get(RecommendationStatus.PUBLISHED, 0),
        "actions": action_summary,
        "indicators": indicators,
        "today": today,
    }


def _participation_by_month() -> tuple[list, list]:
    """Participation over time by college, the last 12 months: proposals written and workshop
    attendance per month. Returns the college columns and (month, counts, total) rows."""
    colleges = list(College.choices)
    per_month: dict[date, Counter] = defaultdict(Counter)
    for month, college, n in (
        Proposal.objects.filter(is_hidden=False)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "author_college")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_month[_as_date(month)][college] += n
    for month, college, n in (
        Participant.objects.annotate(month=TruncMonth("joined_at"))
        .values_list("month", "college")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_month[_as_date(month)][college] += n
    months = sorted(per_month)[-12:]
    # A college of fewer than 3 in a month is counted in « Autres collèges ».
    colleges.append((OTHERS, college_label(OTHERS)))
    participation = []
    for month in months:
        shown = {group: n for group, _label, n in colleges_shown(per_month[month])}
        participation.append(
            (
                month,
                [shown.get(value, 0) for value, _label in colleges],
                sum(per_month[month].values()),
            )
        )
    # A column only for the groups shown some month (a merged college has none of its own).
    kept = [i for i in range(len(colleges)) if any(row[1][i] for row in participation)]
    colleges = [colleges[i] for i in kept]
    participation = [
        (month, [counts[i] for i in kept], total) for month, counts, total in participation
    ]
    return colleges, participation


def _proposals_by_axis() -> tuple[list, list]:
    """Proposals by axis and status: the status columns and (axis, counts, total) rows."""
    axis_status: dict[int, Counter] = defaultdict(Counter)
    for axis_id, status, n in (
        Proposal.objects.filter(is_hidden=False)
        .values_list("axis_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        axis_status[axis_id][status] += n
    axes = list(Axis.objects.order_by("order"))
    statuses = list(ProposalStatus.choices)
    proposals_by_axis = [
        (
            axis,
            [axis_status[axis.pk].get(v, 0) for v, _l in statuses],
            sum(axis_status[axis.pk].values()),
        )
        for axis in axes
    ]
    return statuses, proposals_by_axis


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def participation_bars(participation: list, college_count: int) -> dict | None:
    """Stacked bars (one per month, one segment per college) for an SVG chart."""
    if not participation:
        return None
    width, height, pad_left, pad_bottom, pad_top = 640, 240, 48, 36, 12
    top = max(total for _m, _c, total in participation) or 1
    slot = (width - pad_left - 8) / len(participation)
    bar_w = max(8, min(48, slot * 0.6))
    plot_h = height - pad_bottom - pad_top
    bars = []
    for i, (month, counts, total) in enumerate(participation):
        x = round(pad_left + i * slot + (slot - bar_w) / 2, 1)
        y_cursor = height - pad_bottom
        segments = []
        for c_index, n in enumerate(counts):
            if not n:
                continue
            h = round(n / top * plot_h, 1)
            y_cursor -= h
            segments.append({"y": round(y_cursor, 1), "h": h, "college": c_index, "n": n})
        bars.append(
            {
                "x": x,
                "w": round(bar_w, 1),
                "month": month,
                "segments": segments,
                "total": total,
                "label_x": round(x + bar_w / 2, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "baseline_y": height - pad_bottom,
        "top_label": top,
        "top_y": pad_top,
        "pad_left": pad_left,
    }


# --- Sources of a recommendation as a reader may see them --------------------------------------

SOURCE_VERBS = ("source_added", "source_removed", "group_added", "vote_added", "vote_removed")
SOURCE_FIELDS = ("proposal", "group", "vote")


def _readable_workshops(user, workshop_ids: set[int], *, can_edit: bool) -> set[int]:
    """Of these workshops, those whose ideas and votes ``user`` may see named on a
    recommendation: publicly visible ones (``Workshop.objects.publicly_visible()``), and for an
    editor those the workshop rules let them see. One query (plus one per private workshop
    for an editor)."""
    if not workshop_ids:
        return set()
    readable = set()
    for workshop in Workshop.objects.filter(pk__in=workshop_ids).only("id", "visibility", "state"):
        if is_publicly_visible(workshop) or (
            can_edit and can_see_workshop(user, workshop, participant_for(user, workshop))
        ):
            readable.add(workshop.pk)
    return readable


def mark_private_sources(user, *, sources, vote_sources, can_edit: bool) -> set[int]:
    """Set ``shown_to_editor`` on each source of a private workshop that this editor may see
    named; return the ids of the workshops ``user`` may read. The public sees such a source as
    « une idée / un vote d'un atelier privé », never its title."""
    ids = {s.proposal.origin_workshop_id for s in sources if s.proposal.origin_workshop_id}
    ids |= {v.session.workshop_id for v in vote_sources if v.session.workshop_id}
    readable = _readable_workshops(user, ids, can_edit=can_edit)
    for source in sources:
        source.shown_to_editor = source.proposal.origin_workshop_id in readable
    for link in vote_sources:
        link.shown_to_editor = link.session.workshop_id in readable
    return readable


def proposal_title_for(user, proposal) -> str:
    """A proposal's title, or « une idée d'un atelier privé » for an editor who may not see it."""
    origin = proposal.origin_workshop_id
    if origin and origin not in _readable_workshops(user, {origin}, can_edit=True):
        return private_idea_label()
    return proposal.title


def linked_titles(user, recommendation) -> list[str]:
    """What a recommendation already rests on, in words, for its form (a draft made with
    « Faire de ce résultat une recommandation »): a source of a workshop this editor may not
    see is named as such. 3 queries at most."""
    sources = list(recommendation.sources.select_related("proposal").order_by("linked_at", "pk"))
    votes = list(recommendation.vote_sources.select_related("session"))
    mark_private_sources(user, sources=sources, vote_sources=votes, can_edit=True)
    titles = [
        _("le vote « %(title)s »") % {"title": v.session.title}
        if v.shown_to_editor or not v.session.workshop_id
        else private_vote_label()
        for v in votes
    ]
    for source in sources:
        proposal = source.proposal
        if not proposal.origin_workshop_id:
            titles.append(_("la proposition « %(title)s »") % {"title": proposal.title})
        elif source.shown_to_editor:
            titles.append(_("l'idée « %(title)s »") % {"title": proposal.title})
        else:
            titles.append(private_idea_label())
    return titles


def recommendation_sources_for_reader(user, recommendation, *, can_edit: bool) -> dict:
    """A recommendation's sources, vote sources and the last 50 entries of its history as
    ``user`` may read them: ideas and votes of workshops they may not see are counted, never
    named."""
    sources = list(
        recommendation.sources.select_related("proposal", "proposal__origin_workshop", "linked_by")
    )
    vote_sources = list(
        recommendation.vote_sources.select_related("session", "session__workshop", "linked_by")
    )
    mark_private_sources(user, sources=sources, vote_sources=vote_sources, can_edit=can_edit)
    history = history_for_reader(
        list(recommendation.history.select_related("actor")[:50]),
        user,
        can_edit=can_edit,
        sources=sources,
        vote_sources=vote_sources,
    )
    return {"sources": sources, "vote_sources": vote_sources, "history": history}


def source_candidates(raw_ids: list[str]):
    """The proposals named by these ids (as typed in a query string) that may still become a
    recommendation's sources: neither hidden nor merged."""
    ids = [i for i in map(parse_id, raw_ids) if i is not None]
    return (
        Proposal.objects.filter(is_hidden=False)
        .exclude(status=ProposalStatus.MERGED)
        .filter(pk__in=ids)
        .select_related("axis")
    )


def _private_label(field: str) -> str:
    return {
        "proposal": private_idea_label,
        "group": private_group_label,
        "vote": private_vote_label,
    }[field]()


def _hidden_titles(unknown: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Older history entries whose source is gone: hidden when a proposal, vote or group of a
    workshop the public may not see bears that title. One query per kind, when asked."""
    hidden_titles: set[tuple[str, str]] = set()
    public = Workshop.objects.publicly_visible()
    if unknown["proposal"]:
        hidden_titles |= {
            ("proposal", t)
            for t in Proposal.objects.filter(
                title__in=unknown["proposal"], origin_workshop__isnull=False
            )
            .exclude(origin_workshop__in=public)
            .values_list("title", flat=True)
        }
    if unknown["vote"]:
        hidden_titles |= {
            ("vote", t)
            for t in VoteSession.objects.filter(title__in=unknown["vote"], workshop__isnull=False)
            .exclude(workshop__in=public)
            .values_list("title", flat=True)
        }
    if unknown["group"]:
        hidden_titles |= {
            ("group", t)
            for t in IdeaGroup.objects.filter(name__in=unknown["group"])
            .exclude(workshop__in=public)
            .values_list("name", flat=True)
        }
    return hidden_titles


def history_for_reader(entries: list, user, *, can_edit: bool, sources=(), vote_sources=()):
    """The history of a recommendation as ``user`` may read it: a source of a workshop they
    may not see is « une idée d'un atelier privé » (« un vote… », « un groupe… »), never its
    title. Entries keep the origin workshop since the links were made with it; older ones
    are matched by title against the current sources, then against the ideas, groups and
    votes of workshops the public may not see. Changes are replaced in memory only."""
    origins: dict[int, int | None] = {}
    unknown: dict[str, set[str]] = {field: set() for field in SOURCE_FIELDS}
    known = {("proposal", s.proposal.title): s.proposal.origin_workshop_id for s in sources}
    known |= {("vote", v.session.title): v.session.workshop_id for v in vote_sources}
    known |= {
        ("group", s.idea_group_name): s.proposal.origin_workshop_id
        for s in sources
        if s.idea_group_name
    }
    for entry in entries:
        if entry.verb not in SOURCE_VERBS or not isinstance(entry.changes, dict):
            continue
        for field in SOURCE_FIELDS:
            if field in entry.changes:
                title = next((v for v in entry.changes[field] if v), "")
                if "origin" in entry.changes:
                    origins[entry.pk] = entry.changes["origin"]
                elif (field, title) in known:
                    origins[entry.pk] = known[(field, title)]
                else:
                    unknown[field].add(title)
    hidden_titles = _hidden_titles(unknown)
    readable = _readable_workshops(user, {w for w in origins.values() if w}, can_edit=can_edit)
    for entry in entries:
        if entry.verb not in SOURCE_VERBS or not isinstance(entry.changes, dict):
            continue
        changes = {k: v for k, v in entry.changes.items() if k != "origin"}
        for field in SOURCE_FIELDS:
            if field not in changes:
                continue
            title = next((v for v in changes[field] if v), "")
            if entry.pk in origins:
                origin = origins[entry.pk]
                hidden = origin is not None and origin not in readable
            else:
                hidden = (field, title) in hidden_titles
            if hidden:
                label = _private_label(field)
                changes[field] = [label if v else v for v in changes[field]]
        entry.changes = changes
    return entries


# --- Read by summaries (summaries.generation) --------------------------------------------------


def recommendations_from(*, proposals, axis=None):
    """Recommendations of every status built from ``proposals`` (their sources) and, with
    ``axis``, every recommendation of that axis. The caller splits public ones
    (``Recommendation.is_public``) from the others."""
    linked = Recommendation.objects.filter(sources__proposal__in=proposals).values("pk")
    wanted = Q(pk__in=linked)
    if axis is not None:
        wanted |= Q(axis=axis)
    return (
        Recommendation.objects.filter(wanted).select_related("axis").order_by("axis__order", "pk")
    )


def actions_of(recommendation_ids) -> dict[int, list[ActionItem]]:
    """The action items of these recommendations, by recommendation, soonest due first
    (one query)."""
    actions: dict[int, list[ActionItem]] = defaultdict(list)
    for action in ActionItem.objects.filter(recommendation__in=list(recommendation_ids)).order_by(
        "recommendation_id", "due_date", "pk"
    ):
        actions[action.recommendation_id].append(action)
    return actions
