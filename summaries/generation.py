"""Generate the figures of a decision summary from the other apps' data.

``summary_data_generate`` reads workshops, proposals, votes and decisions
through their models and querysets (never writing to them) and returns a
JSON-serialisable dict, one entry per section. Every figure comes from a
``GROUP BY`` in the database: the number of queries does not depend on the
number of participants, ideas or ballots (the tests assert it).

A source app that has no data yet (or no model yet) gives a section with
``"available": false``; the page then says so instead of inventing figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from proposals import consensus
from proposals.models import Axis, Proposal

DATA_FORMAT = 1
TOP_IDEAS = 5
FIRST_ACTIONS = 3
CONSENSUS_IDEAS = 3
UPCOMING = 3


def _model(app_label: str, name: str):
    """A model of another app, or None while that app has not shipped it yet."""
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    return value.isoformat()


@dataclass
class Scope:
    """What a summary covers: one workshop, a period, or an axis."""

    kind: str
    workshop: Any = None
    axis: Axis | None = None
    start: date | None = None
    end: date | None = None

    def workshops(self) -> QuerySet:
        """The workshops covered, among those anyone may see: a summary is published, so a
        private or draft workshop (its title, participants, votes) never enters one."""
        from workshops.models import Workshop

        qs = Workshop.objects.publicly_visible()
        if self.kind == "workshop":
            return qs.filter(pk=self.workshop.pk)
        if self.kind == "axis":
            qs = qs.filter(axes=self.axis)
        if self.start:
            qs = qs.filter(starts_at__date__gte=self.start)
        if self.end:
            qs = qs.filter(starts_at__date__lte=self.end)
        return qs

    def proposals(self) -> QuerySet:
        public = getattr(Proposal.objects, "public", None)
        qs = public() if public else Proposal.objects.filter(is_hidden=False)
        if self.kind == "workshop":
            return qs.filter(origin_workshop=self.workshop)
        if self.kind == "axis":
            qs = qs.filter(axis=self.axis)
        if self.start:
            qs = qs.filter(created_at__date__gte=self.start)
        if self.end:
            qs = qs.filter(created_at__date__lte=self.end)
        return qs


def scope_for_summary(summary) -> Scope:
    return Scope(
        kind=summary.scope,
        workshop=summary.workshop,
        axis=summary.axis,
        start=summary.period_start,
        end=summary.period_end,
    )


# --- Sections ---------------------------------------------------------------------------------


def _participation(scope: Scope) -> dict:
    from votes.selectors import colleges_mapping, colleges_shown
    from workshops.figures import REGISTERED_Q
    from workshops.models import Participant

    # « inscrit·es à l'atelier », as every live screen counts them (workshops.figures).
    participants = Participant.objects.filter(REGISTERED_Q, workshop__in=scope.workshops())
    # One GROUP BY gives the totals, the split by college and online / on site.
    rows = list(participants.values("college", "attendance").annotate(n=Count("id")))
    if not rows:
        return {"available": False}
    table: dict[str, dict[str, int]] = defaultdict(lambda: {"on_site": 0, "online": 0})
    people: dict[str, int] = defaultdict(int)
    for row in rows:
        people[row["college"]] += row["n"]
    # A college of fewer than 3 people is counted in « Autres collèges » (``others``).
    mapping = colleges_mapping(people)
    for row in rows:
        table[mapping[row["college"]]][row["attendance"]] += row["n"]
    by_college = [
        {
            "college": code,
            "on_site": table[code]["on_site"],
            "online": table[code]["online"],
            "total": n,
        }
        for code, _label, n in colleges_shown(people)
    ]
    on_site = sum(r["on_site"] for r in by_college)
    online = sum(r["online"] for r in by_college)
    data = {
        "available": True,
        "total": on_site + online,
        "on_site": on_site,
        "online": online,
        "by_college": by_college,
    }
    if scope.kind != "workshop":
        # Over several workshops, a person who came twice counts once here.
        data["people"] = participants.values("user").distinct().count()
    return data


def _agenda(scope: Scope) -> dict:
    if scope.kind != "workshop":
        workshops = (
            scope.workshops()
            .order_by("starts_at")
            .annotate(
                participant_count=Count(
                    "participants", filter=Q(participants__removed_at__isnull=True)
                )
            )
        )
        items = [
            {
                "title": w.title,
                "slug": w.slug,
                "starts_at": _iso(w.starts_at),
                "ends_at": _iso(w.ends_at),
                "state": w.state,
                "participants": w.participant_count,
            }
            for w in workshops
        ]
        return {"available": bool(items), "kind": "workshops", "items": items}

    workshop = scope.workshop
    phases = _workshop_phases(workshop)
    if phases:
        return {"available": True, "kind": "phases", "items": phases}
    return {
        "available": False,
        "kind": "schedule",
        "items": [],
        "starts_at": _iso(workshop.starts_at),
        "ends_at": _iso(workshop.ends_at),
        # The room's real opening and closing times, when the workshops app recorded them.
        "started_at": _iso(getattr(workshop, "started_at", None)),
        "closed_at": _iso(getattr(workshop, "closed_at", None)),
    }


def _workshop_phases(workshop) -> list[dict]:
    """The phases as they ran (real start and end times), when the workshops app records them."""
    Phase = _model("workshops", "Phase")
    if Phase is None:
        return []
    fields = {f.name for f in Phase._meta.get_fields()}
    start_field = next((f for f in ("started_at", "actual_start", "start") if f in fields), None)
    end_field = next((f for f in ("ended_at", "actual_end", "end") if f in fields), None)
    order = "order" if "order" in fields else "pk"
    items = []
    for phase in Phase.objects.filter(workshop=workshop).order_by(order):
        started = getattr(phase, start_field, None) if start_field else None
        ended = getattr(phase, end_field, None) if end_field else None
        kind = getattr(phase, "kind", "")
        label = getattr(phase, "get_kind_display", lambda: "")() if kind else ""
        items.append(
            {
                "title": getattr(phase, "title", "") or label or str(phase),
                "kind": kind,
                "kind_label": str(label),
                "planned_minutes": getattr(phase, "duration_minutes", None)
                or getattr(phase, "planned_minutes", None),
                "started_at": _iso(started),
                "ended_at": _iso(ended),
                "minutes": round((ended - started).total_seconds() / 60)
                if started and ended
                else None,
            }
        )
    # A phase that never started did not happen: the agenda shows what ran.
    return [item for item in items if item["started_at"]]


def _ideas(scope: Scope, axes: dict[int, Axis]) -> dict:
    from votes.selectors import colleges_mapping, colleges_shown

    proposals = scope.proposals()
    # One GROUP BY (axis, college) gives the three tables: by axis, by college, and crossed.
    rows = list(proposals.values("axis_id", "author_college").annotate(n=Count("id")))
    if not rows:
        return {"available": False}
    by_axis: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_college: dict[str, int] = defaultdict(int)
    for row in rows:
        by_college[row["author_college"]] += row["n"]
    # A college of fewer than 3 ideas is counted in « Autres collèges » (``others``).
    mapping = colleges_mapping(by_college)
    for row in rows:
        by_axis[row["axis_id"]][mapping[row["author_college"]]] += row["n"]
    shown = colleges_shown(by_college)
    axis_rows = []
    for axis_id in sorted(
        by_axis, key=lambda pk: (axes[pk].order, pk) if pk in axes else (999, pk)
    ):
        axis = axes.get(axis_id)
        counts = by_axis[axis_id]
        axis_rows.append(
            {
                "axis": axis.slug if axis else "",
                "axis_title": str(axis) if axis else "",
                "colleges": {code: counts.get(code, 0) for code, _label, _n in shown},
                "total": sum(counts.values()),
            }
        )
    top = [
        {
            "id": p["id"],
            "title": p["title"],
            "axis_title": str(axes[p["axis_id"]]) if p["axis_id"] in axes else "",
            "college": p["author_college"],
            "supports": p["support_count"],
            "comments": p["comment_count"],
            "status": p["status"],
        }
        for p in proposals.order_by("-support_count", "-created_at").values(
            "id", "title", "axis_id", "author_college", "support_count", "comment_count", "status"
        )[:TOP_IDEAS]
    ]
    return {
        "available": True,
        "total": sum(by_college.values()),
        "by_axis": axis_rows,
        "by_college": [{"college": code, "count": n} for code, _label, n in shown],
        "top": top,
        # What united the colleges and what divided them (proposals.consensus).
        "colleges": consensus.united_and_divided(proposals, limit=CONSENSUS_IDEAS),
    }


def _votes(scope: Scope) -> dict:
    from summaries import vote_results

    # Board votes (outside workshops) belong to an axis or a period summary.
    board = None
    if scope.kind == "axis":
        board = Q(axis=scope.axis)
    elif scope.kind == "period":
        board = Q(closed_at__date__gte=scope.start, closed_at__date__lte=scope.end)
    sessions = vote_results.results_for_workshops(scope.workshops(), board=board)
    if sessions is None:
        return {"available": False, "sessions": []}
    return {"available": bool(sessions), "sessions": sessions}


def _recommendations(scope: Scope) -> dict:
    Recommendation = _model("decisions", "Recommendation")
    ActionItem = _model("decisions", "ActionItem")
    if Recommendation is None:
        return {"available": False, "items": [], "pending": 0}
    linked = Recommendation.objects.filter(sources__proposal__in=scope.proposals()).distinct()
    if scope.kind == "axis":
        linked = Recommendation.objects.filter(Q(pk__in=linked.values("pk")) | Q(axis=scope.axis))
    public = getattr(Recommendation.objects, "public", None)
    public_qs = public() if public else Recommendation.objects.filter(status="published")
    shown = list(
        linked.filter(pk__in=public_qs.values("pk"))
        .select_related("axis")
        .order_by("axis__order", "pk")
    )
    # Adopted but not yet public: counted, not shown (the public page would leak them).
    pending = linked.filter(status="adopted").exclude(pk__in=public_qs.values("pk")).count()
    actions: dict[int, list[dict]] = defaultdict(list)
    if ActionItem is not None and shown:
        for action in ActionItem.objects.filter(recommendation__in=[r.pk for r in shown]).order_by(
            "recommendation_id", "due_date", "pk"
        ):
            if len(actions[action.recommendation_id]) < FIRST_ACTIONS:
                actions[action.recommendation_id].append(
                    {
                        "id": action.pk,
                        "title": action.title,
                        "owner": action.owner_name,
                        "status": action.status,
                        "status_label": str(action.get_status_display()),
                        "due_date": _iso(action.due_date),
                        "progress": action.progress,
                    }
                )
    items = [
        {
            "id": r.pk,
            "title": r.title,
            "axis_title": str(r.axis) if r.axis_id else "",
            "status": r.status,
            "status_label": str(r.get_status_display()),
            "adopted_at": _iso(getattr(r, "adopted_at", None)),
            "body_html": getattr(r, "body_html", ""),
            "actions": actions.get(r.pk, []),
        }
        for r in shown
    ]
    return {"available": bool(items) or pending > 0, "items": items, "pending": pending}


def _next_steps(scope: Scope, recommendations: dict) -> dict:
    from workshops.models import Workshop

    upcoming_qs = (
        Workshop.objects.publicly_visible().open_for_join().filter(starts_at__gte=timezone.now())
    )
    if scope.kind == "workshop":
        upcoming_qs = upcoming_qs.filter(axes__in=scope.workshop.axes.all()).distinct()
    elif scope.kind == "axis":
        upcoming_qs = upcoming_qs.filter(axes=scope.axis)
    upcoming = [
        {"title": w.title, "slug": w.slug, "starts_at": _iso(w.starts_at), "location": w.location}
        for w in upcoming_qs.order_by("starts_at")[:UPCOMING]
    ]
    due = sorted(
        (
            {**action, "recommendation": rec["title"]}
            for rec in recommendations.get("items", [])
            for action in rec["actions"]
            if action["due_date"] and action["status"] not in ("done", "abandoned")
        ),
        key=lambda a: a["due_date"],
    )[:UPCOMING]
    under_review = (
        scope.proposals().filter(status__in=["submitted", "under_review", "shortlisted"]).count()
    )
    return {
        "available": bool(upcoming or due or under_review),
        "workshops": upcoming,
        "actions": due,
        "under_review": under_review,
    }


def _scope_data(scope: Scope) -> dict:
    data: dict[str, Any] = {"kind": scope.kind}
    if scope.workshop is not None:
        w = scope.workshop
        data["workshop"] = {
            "title": w.title,
            "slug": w.slug,
            "starts_at": _iso(w.starts_at),
            "ends_at": _iso(w.ends_at),
            "place": w.place,
            "place_label": str(w.get_place_display()),
            "location": w.location,
        }
    if scope.axis is not None:
        data["axis"] = {"slug": scope.axis.slug, "title": str(scope.axis)}
    data["start"] = _iso(scope.start)
    data["end"] = _iso(scope.end)
    return data


def summary_data_generate(scope: Scope) -> dict:
    """Every generated section of a summary, as JSON-ready data (see the module docstring)."""
    axes = {a.pk: a for a in Axis.objects.only("pk", "slug", "number", "short_title", "order")}
    recommendations = _recommendations(scope)
    return {
        "format": DATA_FORMAT,
        "generated_at": _iso(timezone.now()),
        "scope": _scope_data(scope),
        "participation": _participation(scope),
        "agenda": _agenda(scope),
        "ideas": _ideas(scope, axes),
        "votes": _votes(scope),
        "recommendations": recommendations,
        "next_steps": _next_steps(scope, recommendations),
    }
