"""Pages of the decisions app: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from decisions import selectors, services
from decisions.charts import trace_diagram
from decisions.forms import (
    ActionFilterForm,
    ActionItemForm,
    ActionReportForm,
    IndicatorCreateForm,
    IndicatorForm,
    MeasurementForm,
    RecommendationCreateForm,
    RecommendationForm,
    RecommendationStatusForm,
    SourceAddForm,
    VoteSourceAddForm,
)
from decisions.models import (
    RECOMMENDATION_TRANSITIONS,
    ActionItem,
    Indicator,
    Measurement,
    Notification,
    Recommendation,
    RecommendationSource,
)
from decisions.rules import can_edit_decisions, get_action_for_user, get_recommendation_for_user
from decisions.trace import action_trace, build_trace
from project.errors import DomainError


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_decisions(request.user):
        raise PermissionDenied(
            _("Seul·es les éditeur·rices du Codev peuvent modifier les décisions.")
        )


def _form_error(form, exc: DomainError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


def _diagram_labels() -> dict[str, str]:
    return {
        "sources": _("Ateliers et votes"),
        "proposals": _("Propositions"),
        "recommendation": _("Recommandation"),
        "actions": _("Actions"),
        "participants": _("participant·es : %(count)d"),
        "contributors": _("contributeur·rices : %(count)d"),
        "merged": _("%(count)d fusionnée(s)"),
        "vote": _("Session de vote"),
        "voters": _("vote · votant·es : %(count)d"),
        "hidden": _("Proposition masquée"),
    }


# --- Tracker and actions -----------------------------------------------------------------------


@require_GET
def actions(request: HttpRequest) -> HttpResponse:
    form = ActionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.tracker_actions(user=request.user, filters=filters)
    today = timezone.localdate()
    return render(
        request,
        "decisions/action_list.html",
        {
            "form": form,
            "groups": selectors.group_by_axis(items),
            "summary": selectors.status_counts(items, today),
            "today": today,
            "can_edit": can_edit_decisions(request.user),
        },
    )


@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request.user, pk)
    can_edit = can_edit_decisions(request.user)
    report_form = None
    if can_edit:
        report_form = ActionReportForm(
            initial={
                "date": timezone.localdate(),
                "progress": action.progress,
                "status": action.status,
            }
        )
    return render(
        request, "decisions/action_detail.html", _action_context(request, action, report_form)
    )


def _action_context(request, action: ActionItem, report_form) -> dict:
    return {
        "action": action,
        "updates": list(action.updates.select_related("author")),
        "history": list(action.history.select_related("actor")[:50]),
        "indicators": list(action.indicators.all()),
        "report_form": report_form,
        "can_edit": can_edit_decisions(request.user),
        "today": timezone.localdate(),
    }


@login_required
@require_POST
def action_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    action = get_action_for_user(request.user, pk)
    form = ActionReportForm(request.POST)
    if form.is_valid():
        try:
            services.action_report(
                action=action,
                actor=request.user,
                text=form.cleaned_data["text"],
                progress=form.cleaned_data["progress"],
                status=form.cleaned_data["status"],
                on=form.cleaned_data["date"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Point d'étape publié."))
            return redirect(action)
    return render(
        request, "decisions/action_detail.html", _action_context(request, action, form), status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    form = ActionItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        indicators = list(data.pop("indicators", []))
        try:
            action = services.action_create(
                actor=request.user, recommendation=recommendation, indicators=indicators, **data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Action créée."))
            return redirect(action)
    return render(
        request,
        "decisions/action_form.html",
        {"form": form, "recommendation": recommendation, "action": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    action = get_action_for_user(request.user, pk)
    if request.method == "GET":
        form = ActionItemForm(instance=action)
    else:
        form = ActionItemForm(request.POST)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        indicators = list(data.pop("indicators", []))
        try:
            services.action_update(action=action, actor=request.user, indicators=indicators, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Action modifiée."))
            return redirect(action)
    return render(
        request,
        "decisions/action_form.html",
        {"form": form, "recommendation": action.recommendation, "action": action},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def action_trace_page(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request.user, pk)
    trace = action_trace(action)
    return render(
        request,
        "decisions/trace.html",
        {
            "trace": trace,
            "diagram": trace_diagram(trace, labels=_diagram_labels()),
            "action": action,
        },
    )


@require_GET
def action_trace_svg(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request.user, pk)
    trace = action_trace(action)
    return render(
        request,
        "decisions/trace_diagram.svg",
        {
            "trace": trace,
            "diagram": trace_diagram(trace, labels=_diagram_labels()),
            "standalone": True,
        },
        content_type="image/svg+xml",
    )


# --- Recommendations ---------------------------------------------------------------------------


@require_GET
def recommendations(request: HttpRequest) -> HttpResponse:
    items = list(
        Recommendation.objects.visible_to(request.user)
        .select_related("axis")
        .with_counts()
        .order_by("axis__order", "-created_at")
    )
    return render(
        request,
        "decisions/recommendation_list.html",
        {"recommendations": items, "can_edit": can_edit_decisions(request.user)},
    )


def _recommendation_context(request, recommendation, **extra) -> dict:
    can_edit = can_edit_decisions(request.user)
    sources = list(
        recommendation.sources.select_related("proposal", "proposal__origin_workshop", "linked_by")
    )
    context = {
        "recommendation": recommendation,
        "sources": sources,
        "vote_sources": list(recommendation.vote_sources.select_related("session", "linked_by")),
        "actions": list(recommendation.actions.order_by("due_date", "pk")),
        "history": list(recommendation.history.select_related("actor")[:50]),
        "can_edit": can_edit,
        "today": timezone.localdate(),
    }
    if can_edit:
        allowed = RECOMMENDATION_TRANSITIONS[recommendation.status]
        status_form = RecommendationStatusForm()
        status_form.fields["status"].choices = [
            c for c in status_form.fields["status"].choices if c[0] in allowed
        ]
        context["status_form"] = status_form
        context["source_form"] = SourceAddForm()
        context["vote_form"] = VoteSourceAddForm()
    context.update(extra)
    return context


@require_GET
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, pk)
    return render(
        request,
        "decisions/recommendation_detail.html",
        _recommendation_context(request, recommendation),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest) -> HttpResponse:
    """From the board or a vote's results: ?proposals=1&proposals=2 preselects the sources."""
    from proposals.models import Proposal, ProposalStatus

    _require_editor(request)
    # The candidates shown stay the same when the form comes back with an error.
    wanted = request.POST.getlist("candidates") or request.GET.getlist("proposals")
    wanted_ids = [int(x) for x in wanted if str(x).isdigit() and len(str(x)) <= 12]
    queryset = (
        Proposal.objects.filter(is_hidden=False)
        .exclude(status=ProposalStatus.MERGED)
        .filter(pk__in=wanted_ids)
        .select_related("axis")
    )
    if request.method == "POST":
        form = RecommendationCreateForm(request.POST, proposal_queryset=queryset)
    else:
        initial = {"proposals": [p.pk for p in queryset]}
        if str(request.GET.get("vote", "")).isdigit() and len(request.GET["vote"]) <= 12:
            initial["vote_session"] = int(request.GET["vote"])
        first = next(iter(queryset), None)
        if first is not None:
            initial["axis"] = first.axis_id
        form = RecommendationCreateForm(initial=initial, proposal_queryset=queryset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        proposals = list(data["proposals"])
        if data["more_proposals"]:
            found = list(
                Proposal.objects.filter(pk__in=data["more_proposals"]).exclude(
                    pk__in=[p.pk for p in proposals]
                )
            )
            missing = (
                set(data["more_proposals"]) - {p.pk for p in found} - {p.pk for p in proposals}
            )
            if missing:
                form.add_error(
                    "more_proposals",
                    _("Aucune proposition ne porte ce numéro : %(numbers)s.")
                    % {"numbers": ", ".join(str(n) for n in sorted(missing))},
                )
            proposals += found
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recommendation = services.recommendation_create(
                actor=request.user,
                title=data["title"],
                axis=data["axis"],
                body=data["body"],
                rationale=data["rationale"],
                proposals=proposals,
                note=data["note"],
                vote_session=data.get("vote_session"),
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Recommandation créée (brouillon)."))
            return redirect(recommendation)
    return render(
        request,
        "decisions/recommendation_form.html",
        {"form": form, "recommendation": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    if request.method == "GET":
        form = RecommendationForm(instance=recommendation)
    else:
        form = RecommendationForm(request.POST)
        if form.is_valid():
            try:
                services.recommendation_update(
                    recommendation=recommendation, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Recommandation modifiée."))
                return redirect(recommendation)
    return render(
        request,
        "decisions/recommendation_form.html",
        {"form": form, "recommendation": recommendation},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def recommendation_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    form = RecommendationStatusForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_status_change(
                recommendation=recommendation,
                actor=request.user,
                new_status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Statut de la recommandation modifié."))
    else:
        messages.error(request, _("Choisissez un statut dans la liste."))
    return redirect(recommendation)


def _recommendation_link_add(
    request: HttpRequest,
    pk: int,
    *,
    form_class,
    field: str,
    find,
    add,
    not_found: str,
    done: str,
    form_name: str,
) -> HttpResponse:
    """Link one more source (a proposal or a vote) to a recommendation, by its number."""
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        target = find(form.cleaned_data[field])
        if target is None:
            form.add_error(field, not_found)
        else:
            try:
                add(
                    recommendation=recommendation,
                    target=target,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, done)
                return redirect(recommendation)
    context = _recommendation_context(request, recommendation, **{form_name: form})
    return render(request, "decisions/recommendation_detail.html", context, status=400)


@login_required
@require_POST
def recommendation_source_add(request: HttpRequest, pk: int) -> HttpResponse:
    from proposals.models import Proposal

    return _recommendation_link_add(
        request,
        pk,
        form_class=SourceAddForm,
        field="proposal",
        find=lambda number: Proposal.objects.filter(pk=number).first(),
        add=lambda target, **kw: services.recommendation_source_add(proposal=target, **kw),
        not_found=_("Aucune proposition ne porte ce numéro."),
        done=_("Proposition ajoutée aux sources."),
        form_name="source_form",
    )


@login_required
@require_POST
def recommendation_vote_add(request: HttpRequest, pk: int) -> HttpResponse:
    from votes.models import VoteSession

    return _recommendation_link_add(
        request,
        pk,
        form_class=VoteSourceAddForm,
        field="session",
        find=lambda number: VoteSession.objects.filter(pk=number).first(),
        add=lambda target, **kw: services.recommendation_vote_source_add(session=target, **kw),
        not_found=_("Aucun vote ne porte ce numéro."),
        done=_("Vote ajouté à l'appui de la recommandation."),
        form_name="vote_form",
    )


@login_required
@require_POST
def recommendation_source_remove(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    source = get_object_or_404(
        RecommendationSource.objects.select_related("proposal", "recommendation"),
        pk=source_pk,
        recommendation=recommendation,
    )
    services.recommendation_source_remove(
        source=source, actor=request.user, note=request.POST.get("note", "")
    )
    messages.success(request, _("Source retirée."))
    return redirect(recommendation)


@require_GET
def recommendation_trace_page(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, pk)
    trace = build_trace(recommendation)
    return render(
        request,
        "decisions/trace.html",
        {"trace": trace, "diagram": trace_diagram(trace, labels=_diagram_labels()), "action": None},
    )


@require_GET
def recommendation_trace_svg(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, pk)
    trace = build_trace(recommendation)
    return render(
        request,
        "decisions/trace_diagram.svg",
        {
            "trace": trace,
            "diagram": trace_diagram(trace, labels=_diagram_labels()),
            "standalone": True,
        },
        content_type="image/svg+xml",
    )


# --- Indicators --------------------------------------------------------------------------------


@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    views = selectors.indicators_with_trends()
    return render(
        request,
        "decisions/indicator_list.html",
        {"indicators": views, "can_edit": can_edit_decisions(request.user)},
    )


def _indicator_context(request, indicator: Indicator, **extra) -> dict:
    measurements = list(indicator.measurements.select_related("entered_by").order_by("date"))
    view = selectors.indicator_view(indicator, measurements, timezone.localdate())
    can_edit = can_edit_decisions(request.user)
    context = {
        "indicator": indicator,
        "view": view,
        "chart": selectors.indicator_chart(view),
        "actions": list(
            indicator.actions.filter(
                pk__in=ActionItem.objects.visible_to(request.user)
            ).select_related("recommendation")
        ),
        "history": list(indicator.history.select_related("actor")[:50]),
        "can_edit": can_edit,
        "measurement_form": MeasurementForm(initial={"date": timezone.localdate()})
        if can_edit
        else None,
    }
    context.update(extra)
    return context


@require_GET
def indicator_detail(request: HttpRequest, slug: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.select_related("axis"), slug=slug)
    return render(
        request, "decisions/indicator_detail.html", _indicator_context(request, indicator)
    )


@login_required
@require_POST
def indicator_measure(request: HttpRequest, slug: str) -> HttpResponse:
    _require_editor(request)
    indicator = get_object_or_404(Indicator, slug=slug)
    if "delete" in request.POST:
        measurement = get_object_or_404(
            Measurement, pk=request.POST.get("delete"), indicator=indicator
        )
        services.measurement_delete(measurement=measurement, actor=request.user)
        messages.success(request, _("Mesure supprimée."))
        return redirect(indicator)
    form = MeasurementForm(request.POST)
    if form.is_valid():
        try:
            services.measurement_record(
                indicator=indicator,
                actor=request.user,
                on=form.cleaned_data["date"],
                value=form.cleaned_data["value"],
                source=form.cleaned_data["source"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Mesure enregistrée."))
            return redirect(indicator)
    context = _indicator_context(request, indicator, measurement_form=form)
    return render(request, "decisions/indicator_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = IndicatorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        slug = data.pop("slug", "")
        try:
            indicator = services.indicator_create(actor=request.user, slug=slug, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Indicateur créé."))
            return redirect(indicator)
    return render(
        request,
        "decisions/indicator_form.html",
        {"form": form, "indicator": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_editor(request)
    indicator = get_object_or_404(Indicator, slug=slug)
    if request.method == "GET":
        form = IndicatorForm(instance=indicator)
    else:
        form = IndicatorForm(request.POST)
        if form.is_valid():
            try:
                services.indicator_update(
                    indicator=indicator, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Indicateur modifié."))
                return redirect(indicator)
    return render(
        request,
        "decisions/indicator_form.html",
        {"form": form, "indicator": indicator},
        status=400 if request.method == "POST" else 200,
    )


# --- Dashboard and notifications ---------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/dashboard.html", selectors.dashboard_data(user=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()] or None
        services.notifications_mark_read(user=request.user, ids=ids)
        messages.success(request, _("Notifications marquées comme lues."))
        return redirect("decisions:notifications")
    items = list(Notification.objects.filter(recipient=request.user)[:100])
    return render(
        request,
        "decisions/notification_list.html",
        {"notifications": items, "unread": sum(1 for n in items if n.read_at is None)},
    )
