"""Generate the figures of a decision summary from the other apps' data.

``summary_data_generate`` reads workshops, proposals, votes and decisions
through their selectors and querysets, with their model types (never
writing to them), and returns a JSON-serialisable dict, one entry per
section. Nothing is guessed: a renamed field of a neighbour fails here (and
in tests/summaries/test_sections_real_data.py), it never turns into an empty
section. Every figure comes from a ``GROUP BY`` in the database: the number of
queries does not depend on the number of participants, ideas or ballots.

A section with no data says so (``"available": false``); the page then says
so instead of inventing figures.

``left_out`` lists what the scope holds that the summary does not show, and
why (a draft recommendation, a vote whose results are not public…): the
editor sees it before publishing. It is never stored in the generated data,
which is public once published.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from decisions.models import CLOSED_ACTION_STATUSES, Recommendation, RecommendationStatus
from decisions.selectors import actions_of, recommendations_from
from proposals import consensus
from proposals.models import Axis, Proposal, ProposalStatus
from summaries import vote_results
from summaries.models import section_label
from votes.selectors import colleges_mapping, colleges_shown, sessions_results_not_public
from workshops.figures import REGISTERED_Q
from workshops.models import Participant, Workshop
from workshops.selectors import phases_as_run

DATA_FORMAT = 1
TOP_IDEAS = 5
FIRST_ACTIONS = 3
CONSENSUS_IDEAS = 3
UPCOMING = 3


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
    # What the editor chose to include although it is not public (``DecisionSummary.included``).
    included: dict = field(default_factory=dict)

    def included_ids(self, kind: str) -> set[int]:
        return {int(pk) for pk in self.included.get(kind, [])}

    def workshops(self) -> QuerySet:
        """The workshops covered, among those anyone may see: a summary is published, so a
        private or draft workshop (its title, participants, votes) never enters one."""
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

    def proposals(self, *, public: bool = True) -> QuerySet:
        """The ideas covered: those anyone may see (``public=False``: hidden ones too)."""
        qs = Proposal.objects.public() if public else Proposal.objects.all()
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
        included=summary.included or {},
    )


# --- Sections ---------------------------------------------------------------------------------


def _participation(scope: Scope) -> dict:
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
    phases = [
        {
            "title": phase.title or str(phase.get_kind_display()),
            "kind": phase.kind,
            "kind_label": str(phase.get_kind_display()),
            "planned_minutes": phase.planned_minutes,
            "started_at": _iso(phase.started_at),
            "ended_at": _iso(phase.ended_at),
            "minutes": round((phase.ended_at - phase.started_at).total_seconds() / 60)
            if phase.ended_at
            else None,
        }
        for phase in phases_as_run(workshop)
    ]
    if phases:
        return {"available": True, "kind": "phases", "items": phases}
    return {
        "available": False,
        "kind": "schedule",
        "items": [],
        "starts_at": _iso(workshop.starts_at),
        "ends_at": _iso(workshop.ends_at),
        # The room's real opening and closing times.
        "started_at": _iso(workshop.started_at),
        "closed_at": _iso(workshop.closed_at),
    }


def _ideas(scope: Scope, axes: dict[int, Axis]) -> dict:
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


def _board(scope: Scope) -> Q | None:
    """Board votes (outside workshops) belong to an axis or a period summary."""
    if scope.kind == "axis":
        return Q(axis=scope.axis)
    if scope.kind == "period":
        return Q(closed_at__date__gte=scope.start, closed_at__date__lte=scope.end)
    return None


def _votes(scope: Scope) -> dict:
    sessions = vote_results.results_for_workshops(scope.workshops(), board=_board(scope))
    return {"available": bool(sessions), "sessions": sessions}


def _recommendations(scope: Scope) -> dict:
    """Public recommendations of the scope, and those the editor included although they are
    not public yet (labelled by their status), each with its first actions."""
    linked = list(recommendations_from(proposals=scope.proposals(), axis=scope.axis))
    wanted = scope.included_ids("recommendations")
    shown = [r for r in linked if r.is_public or (r.pk in wanted and _includable(r))]
    # Adopted, not public and not included: counted, not shown (the editor sees them listed).
    pending = sum(
        1
        for r in linked
        if r.status == RecommendationStatus.ADOPTED and not r.is_public and r not in shown
    )
    extra_actions = scope.included_ids("actions")
    actions = actions_of(r.pk for r in shown)
    items = [
        {
            "id": r.pk,
            "title": r.title,
            "axis_title": str(r.axis),
            "status": r.status,
            "status_label": str(r.get_status_display()),
            # Shown although not public: the page says « en projet » (the editor's choice).
            "included": not r.is_public,
            "in_draft": r.status == RecommendationStatus.DRAFT,
            "adopted_at": _iso(r.adopted_at),
            "body_html": r.body_html,
            "actions": [
                {
                    "id": action.pk,
                    "title": action.title,
                    "owner": action.owner_name,
                    "status": action.status,
                    "status_label": str(action.get_status_display()),
                    "due_date": _iso(action.due_date),
                    "progress": action.progress,
                }
                for index, action in enumerate(actions.get(r.pk, []))
                if index < FIRST_ACTIONS or action.pk in extra_actions
            ],
        }
        for r in shown
    ]
    return {"available": bool(items) or pending > 0, "items": items, "pending": pending}


def _includable(recommendation: Recommendation) -> bool:
    """A recommendation not public yet that an editor may show in a summary, labelled as such:
    a draft (« en projet ») or an adopted one not yet published. A withdrawn one is not."""
    return recommendation.status in (RecommendationStatus.DRAFT, RecommendationStatus.ADOPTED)


def _next_steps(scope: Scope, recommendations: dict) -> dict:
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
            if action["due_date"] and action["status"] not in CLOSED_ACTION_STATUSES
        ),
        key=lambda a: a["due_date"],
    )[:UPCOMING]
    under_review = (
        scope.proposals()
        .filter(
            status__in=[
                ProposalStatus.SUBMITTED,
                ProposalStatus.UNDER_REVIEW,
                ProposalStatus.SHORTLISTED,
            ]
        )
        .count()
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


# --- What the summary leaves out ---------------------------------------------------------------


@dataclass
class LeftOut:
    """One thing of the scope the summary does not show (or shows only because the editor
    included it), with why, and whether one click may include it."""

    kind: str  # "recommendation", "action", "vote", "proposals", "section"
    title: str
    reason: str
    key: str = ""  # what the include / exclude button sends: "<kind>:<id or key>"
    includable: bool = False
    included: bool = False  # shown at the editor's request, labelled; one click takes it out
    url: str = ""


def left_out(summary) -> list[LeftOut]:
    """What the summary leaves out, and why, from the data as it is now (a few queries)."""
    scope = scope_for_summary(summary)
    items: list[LeftOut] = []
    for spec in summary.sections or []:
        if not spec.get("shown", True) and spec["key"] in summary.section_keys:
            items.append(
                LeftOut(
                    kind="section",
                    title=section_label(spec["key"], summary.scope),
                    reason=_("Section masquée dans ce brouillon."),
                    key=f"section:{spec['key']}",
                    includable=True,
                )
            )

    linked = list(recommendations_from(proposals=scope.proposals(), axis=scope.axis))
    wanted = scope.included_ids("recommendations")
    not_public = [r for r in linked if not r.is_public]
    shown = [r for r in linked if r.is_public or (r.pk in wanted and _includable(r))]
    actions = actions_of(r.pk for r in linked if r in shown or r in not_public)
    reasons = {
        RecommendationStatus.DRAFT: _("Brouillon : pas encore adoptée par le Codev."),
        RecommendationStatus.ADOPTED: _("Adoptée, pas encore publiée."),
        RecommendationStatus.WITHDRAWN: _(
            "Retirée avant d'être publiée : elle ne peut pas figurer."
        ),
    }
    for r in not_public:
        count = len(actions.get(r.pk, []))
        reason = reasons[RecommendationStatus(r.status)]
        if r in shown:
            reason = _("Incluse à votre demande, présentée comme « en projet ».")
        if count:
            reason += " " + ngettext(
                "Son action la suit.", "Ses %(n)d actions la suivent.", count
            ) % {"n": count}
        items.append(
            LeftOut(
                kind="recommendation",
                title=r.title,
                reason=reason,
                key=f"recommendations:{r.pk}",
                includable=_includable(r),
                included=r in shown,
                url=r.get_absolute_url(),
            )
        )
    extra = scope.included_ids("actions")
    for r in shown:
        for action in actions.get(r.pk, [])[FIRST_ACTIONS:]:
            included = action.pk in extra
            items.append(
                LeftOut(
                    kind="action",
                    title=action.title,
                    reason=_("Incluse à votre demande.")
                    if included
                    else ngettext(
                        "Seule la première action de « %(rec)s » est reprise.",
                        "Seules les %(n)d premières actions de « %(rec)s » sont reprises.",
                        FIRST_ACTIONS,
                    )
                    % {"n": FIRST_ACTIONS, "rec": r.title},
                    key=f"actions:{action.pk}",
                    includable=True,
                    included=included,
                    url=action.get_absolute_url(),
                )
            )

    wanted_sessions = Q(workshop__in=scope.workshops())
    board = _board(scope)
    if board is not None:
        wanted_sessions |= Q(workshop__isnull=True) & board
    for session in sessions_results_not_public().filter(wanted_sessions):
        items.append(
            LeftOut(
                kind="vote",
                title=session.title,
                reason=_("Vote encore ouvert : ses résultats ne sont pas arrêtés.")
                if not session.is_finished
                else _(
                    "Résultats pas encore dévoilés : l'équipe d'animation les dévoile depuis "
                    "la page du vote, puis recalculez les chiffres."
                ),
                url=session.get_absolute_url(),
            )
        )

    every = scope.proposals(public=False)
    hidden = every.filter(is_hidden=True).count()
    if hidden:
        items.append(
            LeftOut(
                kind="proposals",
                title=ngettext("%(n)d idée masquée", "%(n)d idées masquées", hidden)
                % {"n": hidden},
                reason=_("Masquées par la modération : elles ne sont pas publiques."),
            )
        )
    private = every.filter(is_hidden=False).exclude(pk__in=scope.proposals().values("pk")).count()
    if private:
        items.append(
            LeftOut(
                kind="proposals",
                title=ngettext(
                    "%(n)d idée d'un atelier privé", "%(n)d idées d'ateliers privés", private
                )
                % {"n": private},
                reason=_("Déposées dans un atelier privé : elles y restent."),
            )
        )
    return items
