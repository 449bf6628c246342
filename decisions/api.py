"""/api/v1/: recommendations, action items (with their trace) and indicators (with measurements).

Reads are public (what the public may see; editors see drafts too); writes are
for Codev editors (session with CSRF, or a personal token) and go through the
same services as the pages.
"""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from decisions import selectors
from decisions.models import ActionItem, Indicator, Recommendation
from decisions.rules import require_editor
from decisions.selectors import get_action_for_user, get_recommendation_for_user
from decisions.services import actions as action_services
from decisions.services import indicators as indicator_services
from decisions.services import recommendations as recommendation_services
from decisions.services import source_links
from decisions.trace import action_trace, build_trace
from project.api_auth import api_auth, api_user
from project.errors import DomainError
from project.ids import Id
from proposals.api import SLUG
from proposals.models import Axis, Proposal
from votes.models import VoteSession

# Filters are slugs: anything else (a NUL, which PostgreSQL refuses) is a 422, not a 500.
SlugQuery = Annotated[str | None, Query(None, max_length=100, pattern=SLUG)]

router = Router(tags=["décisions"])


# --- Schemas -----------------------------------------------------------------------------------


class RecommendationOut(Schema):
    id: int
    title: str
    axis: str
    status: str
    body_html: str
    rationale_html: str
    source_ids: list[int]
    action_ids: list[int]
    adopted_at: str | None
    published_at: str | None
    url: str


class ActionOut(Schema):
    id: int
    recommendation_id: int
    title: str
    description_html: str
    axis: str
    owner_kind: str
    owner_name: str
    lead_name: str
    start_date: date | None
    due_date: date | None
    status: str
    progress: int
    budget: Decimal | None
    overdue: bool
    indicator_slugs: list[str]
    url: str


class MeasurementOut(Schema):
    date: datetime.date
    value: Decimal
    source: str


class IndicatorOut(Schema):
    slug: str
    kind: str
    name: str
    description: str
    axis: str | None
    unit: str
    source: str
    baseline_value: Decimal | None
    baseline_date: date | None
    target_2030: Decimal | None
    direction: str
    progress: float | None = Field(
        None, description="Part du chemin de la référence à la cible (%)"
    )
    trend_status: str
    projected_2030: float | None
    measurements: list[MeasurementOut]


class RecommendationIn(Schema):
    title: str
    axis: str = Field(..., description="slug de l'axe ou du thème transversal")
    body: str = ""
    rationale: str = ""
    # Bounded: a 30-digit id must be a 422, not a database overflow (found by schemathesis).
    proposals: list[Id] = []
    note: str = ""


class RecommendationPatch(Schema):
    title: str | None = None
    axis: str | None = None
    body: str | None = None
    rationale: str | None = None


class StatusIn(Schema):
    status: str
    note: str = ""


class SourceIn(Schema):
    proposal: Id
    note: str = ""


class ActionIn(Schema):
    recommendation: Id
    title: str
    description: str = ""
    owner_kind: str = "pma"
    owner_name: str
    lead_name: str = ""
    start_date: date | None = None
    due_date: date | None = None
    budget: Decimal | None = None
    indicators: list[str] = []


class ActionPatch(Schema):
    title: str | None = None
    description: str | None = None
    owner_kind: str | None = None
    owner_name: str | None = None
    lead_name: str | None = None
    start_date: date | None = None
    due_date: date | None = None
    budget: Decimal | None = None
    indicators: list[str] | None = None


class ActionUpdateIn(Schema):
    text: str
    progress: int | None = None
    status: str | None = None
    date: datetime.date | None = None


class ActionUpdateOut(Schema):
    id: int
    date: datetime.date
    text_html: str
    progress: int
    old_status: str
    new_status: str


class MeasurementIn(Schema):
    date: datetime.date
    value: Decimal
    source: str


# --- Serialisers -------------------------------------------------------------------------------


def _recommendation_out(rec: Recommendation) -> dict:
    return {
        "id": rec.pk,
        "title": rec.title,
        "axis": rec.axis.slug,
        "status": rec.status,
        "body_html": rec.body_html,
        "rationale_html": rec.rationale_html,
        "source_ids": [s.proposal_id for s in rec.sources.all()],
        "action_ids": [a.pk for a in rec.actions.all()],
        "adopted_at": rec.adopted_at.isoformat() if rec.adopted_at else None,
        "published_at": rec.published_at.isoformat() if rec.published_at else None,
        "url": rec.get_absolute_url(),
    }


def _action_out(action: ActionItem, today: date) -> dict:
    return {
        "id": action.pk,
        "recommendation_id": action.recommendation_id,
        "title": action.title,
        "description_html": action.description_html,
        "axis": action.recommendation.axis.slug,
        "owner_kind": action.owner_kind,
        "owner_name": action.owner_name,
        "lead_name": action.lead_name,
        "start_date": action.start_date,
        "due_date": action.due_date,
        "status": action.status,
        "progress": action.progress,
        "budget": action.budget,
        "overdue": action.is_overdue_on(today),
        "indicator_slugs": [i.slug for i in action.indicators.all()],
        "url": action.get_absolute_url(),
    }


def _indicator_out(view) -> dict:
    i = view.indicator
    return {
        "slug": i.slug,
        "kind": i.kind,
        "name": i.name,
        "description": i.description,
        "axis": i.axis.slug if i.axis else None,
        "unit": i.unit,
        "source": i.source,
        "baseline_value": i.baseline_value,
        "baseline_date": i.baseline_date,
        "target_2030": i.target_2030,
        "direction": i.direction,
        "progress": view.trend.progress,
        "trend_status": view.trend.status,
        "projected_2030": view.trend.projected_value,
        "measurements": [
            {"date": m.date, "value": m.value, "source": m.source} for m in view.measurements
        ],
    }


def _axis(slug: str):
    axis = Axis.objects.filter(slug=slug).first()
    if axis is None:
        raise DomainError("invalid_axis", _("Axe inconnu."), field="axis")
    return axis


def _indicators(slugs: list[str]) -> list[Indicator]:
    found = list(Indicator.objects.filter(slug__in=slugs))
    if len(found) != len(set(slugs)):
        raise DomainError("invalid_indicator", _("Indicateur inconnu."), field="indicators")
    return found


def _recommendations_qs(user):
    return (
        Recommendation.objects.visible_to(user)
        .select_related("axis")
        .prefetch_related("sources", "actions")
    )


# --- Recommendations ---------------------------------------------------------------------------


@router.get("/recommendations", response=list[RecommendationOut], auth=None)
def list_recommendations(request, axis: SlugQuery = None, status: SlugQuery = None):
    """Recommendations the caller may see (the public: published ones). 3 queries."""
    qs = _recommendations_qs(api_user(request)).order_by("axis__order", "-created_at")
    if axis:
        qs = qs.filter(axis__slug=axis)
    if status:
        qs = qs.filter(status=status)
    return [_recommendation_out(r) for r in qs]


@router.get("/recommendations/{rec_id}", response=RecommendationOut, auth=None)
def get_recommendation(request, rec_id: Id):
    user = api_user(request)
    get_recommendation_for_user(user, rec_id)
    return _recommendation_out(_recommendations_qs(user).get(pk=rec_id))


@router.get("/recommendations/{rec_id}/trace", auth=None)
def get_recommendation_trace(request, rec_id: Id):
    rec = get_recommendation_for_user(api_user(request), rec_id)
    return build_trace(rec).as_dict()


@router.post("/recommendations", response={201: RecommendationOut}, auth=api_auth)
def create_recommendation(request, payload: RecommendationIn):
    require_editor(request.auth)
    ids = set(payload.proposals)
    proposals = list(Proposal.objects.filter(pk__in=ids))
    if len(proposals) != len(ids):
        raise DomainError("invalid_proposal", _("Proposition inconnue."), field="proposals")
    rec = recommendation_services.recommendation_create(
        actor=request.auth,
        title=payload.title,
        axis=_axis(payload.axis),
        body=payload.body,
        rationale=payload.rationale,
        proposals=proposals,
        note=payload.note,
        request=request,
    )
    return Status(201, _recommendation_out(_recommendations_qs(request.auth).get(pk=rec.pk)))


@router.patch("/recommendations/{rec_id}", response=RecommendationOut, auth=api_auth)
def update_recommendation(request, rec_id: Id, payload: RecommendationPatch):
    require_editor(request.auth)
    rec = get_recommendation_for_user(request.auth, rec_id)
    values = payload.dict(exclude_none=True)
    if "axis" in values:
        values["axis"] = _axis(values["axis"])
    recommendation_services.recommendation_update(recommendation=rec, actor=request.auth, **values)
    return _recommendation_out(_recommendations_qs(request.auth).get(pk=rec.pk))


@router.post("/recommendations/{rec_id}/status", response=RecommendationOut, auth=api_auth)
def change_recommendation_status(request, rec_id: Id, payload: StatusIn):
    require_editor(request.auth)
    rec = get_recommendation_for_user(request.auth, rec_id)
    recommendation_services.recommendation_status_change(
        recommendation=rec,
        actor=request.auth,
        new_status=payload.status,
        note=payload.note,
        request=request,
    )
    return _recommendation_out(_recommendations_qs(request.auth).get(pk=rec.pk))


@router.post("/recommendations/{rec_id}/sources", response={201: RecommendationOut}, auth=api_auth)
def add_recommendation_source(request, rec_id: Id, payload: SourceIn):
    require_editor(request.auth)
    rec = get_recommendation_for_user(request.auth, rec_id)
    proposal = Proposal.objects.filter(pk=payload.proposal).first()
    if proposal is None:
        raise DomainError("invalid_proposal", _("Proposition inconnue."), field="proposal")
    source_links.recommendation_source_add(
        recommendation=rec, proposal=proposal, actor=request.auth, note=payload.note
    )
    return Status(201, _recommendation_out(_recommendations_qs(request.auth).get(pk=rec.pk)))


class VoteSourceIn(Schema):
    session: Id
    note: str = ""


@router.post("/recommendations/{rec_id}/votes", response={201: RecommendationOut}, auth=api_auth)
def add_recommendation_vote(request, rec_id: Id, payload: VoteSourceIn):
    """Link a closed vote session whose results support the recommendation."""
    require_editor(request.auth)
    rec = get_recommendation_for_user(request.auth, rec_id)
    session = VoteSession.objects.filter(pk=payload.session).first()
    if session is None:
        raise DomainError("invalid_session", _("Vote inconnu."), field="session")
    source_links.recommendation_vote_source_add(
        recommendation=rec, session=session, actor=request.auth, note=payload.note
    )
    return Status(201, _recommendation_out(_recommendations_qs(request.auth).get(pk=rec.pk)))


# --- Actions -----------------------------------------------------------------------------------


def _actions_qs(user):
    return (
        ActionItem.objects.visible_to(user)
        .select_related("recommendation__axis")
        .prefetch_related("indicators")
    )


@router.get("/actions", response=list[ActionOut], auth=None)
def list_actions(
    request,
    axis: SlugQuery = None,
    status: SlugQuery = None,
    overdue: bool = False,
    recommendation: Id | None = None,
):
    """Action items the caller may see, filtered. 2 queries (actions, indicators)."""
    qs = _actions_qs(api_user(request)).order_by("recommendation__axis__order", "due_date", "pk")
    if axis:
        qs = qs.filter(recommendation__axis__slug=axis)
    if status:
        qs = qs.filter(status=status)
    if recommendation:
        qs = qs.filter(recommendation_id=recommendation)
    if overdue:
        qs = qs.overdue()
    today = timezone.localdate()
    return [_action_out(a, today) for a in qs]


@router.get("/actions/{action_id}", response=ActionOut, auth=None)
def get_action(request, action_id: Id):
    user = api_user(request)
    get_action_for_user(user, action_id)
    return _action_out(_actions_qs(user).get(pk=action_id), timezone.localdate())


@router.get("/actions/{action_id}/trace", auth=None)
def get_action_trace(request, action_id: Id):
    """The lineage: action ← recommendation ← proposals ← workshops, with counts by college."""
    action = get_action_for_user(api_user(request), action_id)
    return action_trace(action).as_dict()


@router.get("/actions/{action_id}/updates", response=list[ActionUpdateOut], auth=None)
def list_action_updates(request, action_id: Id):
    action = get_action_for_user(api_user(request), action_id)
    return list(action.updates.all())


@router.post("/actions", response={201: ActionOut}, auth=api_auth)
def create_action(request, payload: ActionIn):
    require_editor(request.auth)
    rec = get_recommendation_for_user(request.auth, payload.recommendation)
    values = payload.dict(exclude={"recommendation", "indicators"})
    action = action_services.action_create(
        actor=request.auth,
        recommendation=rec,
        indicators=_indicators(payload.indicators),
        **values,
    )
    return Status(
        201, _action_out(_actions_qs(request.auth).get(pk=action.pk), timezone.localdate())
    )


@router.patch("/actions/{action_id}", response=ActionOut, auth=api_auth)
def update_action(request, action_id: Id, payload: ActionPatch):
    require_editor(request.auth)
    action = get_action_for_user(request.auth, action_id)
    values = payload.dict(exclude_unset=True)
    slugs = values.pop("indicators", None)
    action_services.action_update(
        action=action,
        actor=request.auth,
        indicators=_indicators(slugs) if slugs is not None else None,
        **values,
    )
    return _action_out(_actions_qs(request.auth).get(pk=action.pk), timezone.localdate())


@router.post("/actions/{action_id}/updates", response={201: ActionUpdateOut}, auth=api_auth)
def report_action(request, action_id: Id, payload: ActionUpdateIn):
    require_editor(request.auth)
    action = get_action_for_user(request.auth, action_id)
    update = action_services.action_report(
        action=action,
        actor=request.auth,
        text=payload.text,
        progress=payload.progress,
        status=payload.status,
        on=payload.date,
    )
    return Status(201, update)


# --- Indicators --------------------------------------------------------------------------------


@router.get("/indicators", response=list[IndicatorOut], auth=None)
def list_indicators(request):
    """Every indicator with its measurements and trend. 2 queries (indicators, measurements)."""
    return [_indicator_out(v) for v in selectors.indicators_with_trends()]


@router.get("/indicators/{slug}", response=IndicatorOut, auth=None)
def get_indicator(request, slug: str):
    views = selectors.indicators_with_trends(Indicator.objects.filter(slug=slug))
    if not views:
        raise Http404
    return _indicator_out(views[0])


@router.post("/indicators/{slug}/measurements", response={201: MeasurementOut}, auth=api_auth)
def record_measurement(request, slug: str, payload: MeasurementIn):
    require_editor(request.auth)
    indicator = get_object_or_404(Indicator, slug=slug)
    m = indicator_services.measurement_record(
        indicator=indicator,
        actor=request.auth,
        on=payload.date,
        value=payload.value,
        source=payload.source,
    )
    return Status(201, {"date": m.date, "value": m.value, "source": m.source})
