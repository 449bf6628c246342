"""Pages of the decisions app: parse, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from decisions import follows, selectors, sources
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
)
from decisions.models import (
    RECOMMENDATION_TRANSITIONS,
    ActionItem,
    Indicator,
    Measurement,
    Notification,
    Recommendation,
    RecommendationSource,
    RecommendationVoteSource,
)
from decisions.rules import can_edit_decisions
from decisions.selectors import get_action_for_user, get_recommendation_for_user
from decisions.services import actions as action_services
from decisions.services import drafts, source_links
from decisions.services import indicators as indicator_services
from decisions.services import notifications as notification_services
from decisions.services import recommendations as recommendation_services
from decisions.templatetags.decisions_tags import follow_context
from decisions.trace import action_trace, build_trace
from decisions.trace_page import trace_csv, trace_page, trace_svg
from project.errors import DomainError, add_form_error
from project.ids import parse_id


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_decisions(request.user):
        raise PermissionDenied(
            _("Seul·es les éditeur·rices du Codev peuvent modifier les décisions.")
        )


def _saved(request: HttpRequest, form, save: Callable[[dict], Any], done: str, then=None):
    """Call ``save`` with a copy of the valid form's data.

    Success: the ``done`` message and a redirect to ``then``, or to what ``save`` returned.
    A DomainError goes on the form (on its field when it names one) and None is returned:
    the caller renders the form again.
    """
    try:
        saved = save(dict(form.cleaned_data))
    except DomainError as exc:
        add_form_error(form, exc)
        return None
    messages.success(request, done)
    return redirect(then if then is not None else saved)


def _form_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A create/edit page: 200 when shown, 400 when a posted form comes back with its errors."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _edit_page(
    request: HttpRequest, instance, *, form_class, update, done: str, template: str, context: dict
) -> HttpResponse:
    """GET: the form filled from ``instance``; POST: ``update(data)`` then back to the object."""
    if request.method == "GET":
        form = form_class(instance=instance)
    else:
        form = form_class(request.POST)
        if form.is_valid() and (response := _saved(request, form, update, done)):
            return response
    return _form_page(request, template, {"form": form, **context})


def _without_indicators(data: dict) -> tuple[list, dict]:
    """An action form's data split into its indicators and the other fields."""
    indicators = list(data.pop("indicators", []))
    return indicators, data


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

    def save(data: dict):
        return action_services.action_report(
            action=action,
            actor=request.user,
            text=data["text"],
            progress=data["progress"],
            status=data["status"],
            on=data["date"],
        )

    if form.is_valid() and (
        response := _saved(request, form, save, _("Point d'étape publié."), action)
    ):
        return response
    return render(
        request, "decisions/action_detail.html", _action_context(request, action, form), status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    form = ActionItemForm(request.POST or None)

    def save(data: dict):
        indicators, values = _without_indicators(data)
        return action_services.action_create(
            actor=request.user, recommendation=recommendation, indicators=indicators, **values
        )

    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _saved(request, form, save, _("Action créée.")))
    ):
        return response
    return _form_page(
        request,
        "decisions/action_form.html",
        {"form": form, "recommendation": recommendation, "action": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    action = get_action_for_user(request.user, pk)

    def update(data: dict):
        indicators, values = _without_indicators(data)
        action_services.action_update(
            action=action, actor=request.user, indicators=indicators, **values
        )
        return action

    return _edit_page(
        request,
        action,
        form_class=ActionItemForm,
        update=update,
        done=_("Action modifiée."),
        template="decisions/action_form.html",
        context={"recommendation": action.recommendation, "action": action},
    )


@require_GET
def action_trace_page(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_user(request.user, pk)
    return trace_page(request, action.recommendation, action=action)


@require_GET
def action_trace_svg(request: HttpRequest, pk: int) -> HttpResponse:
    return trace_svg(request, action_trace(get_action_for_user(request.user, pk)))


@require_GET
def action_trace_csv(request: HttpRequest, pk: int) -> HttpResponse:
    trace = action_trace(get_action_for_user(request.user, pk))
    return trace_csv(request, trace, filename=f"action-{pk}-sources.csv")


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
    context = {
        "recommendation": recommendation,
        # Ideas and votes of workshops the reader may not see: counted, never named.
        **selectors.recommendation_sources_for_reader(
            request.user, recommendation, can_edit=can_edit
        ),
        "actions": list(recommendation.actions.order_by("due_date", "pk")),
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
        context["picker"] = _picker(request, recommendation)
    context.update(extra)
    return context


def _picker(request: HttpRequest, recommendation, *, error: str = "", done: str = "") -> dict:
    """The source picker: the words searched (``q``, GET or POST) and what they found."""
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()[: sources.QUERY_MAX]
    return {
        "q": q,
        "hits": sources.search(request.user, q, recommendation=recommendation) if q else [],
        # No words yet: what the linked votes had on their ballot.
        "suggested": [] if q else sources.suggestions(request.user, recommendation),
        "error": error,
        "done": done,
    }


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
    _require_editor(request)
    # The candidates shown stay the same when the form comes back with an error.
    wanted = request.POST.getlist("candidates") or request.GET.getlist("proposals")
    candidates = selectors.source_candidates(wanted)
    if request.method == "POST":
        form = RecommendationCreateForm(request.POST, proposal_queryset=candidates)
    else:
        form = RecommendationCreateForm.preselected(candidates, vote=request.GET.get("vote"))

    def save(data: dict):
        return recommendation_services.recommendation_create(
            actor=request.user,
            title=data["title"],
            axis=data["axis"],
            body=data["body"],
            rationale=data["rationale"],
            proposals=list(data["proposals"]),
            note=data["note"],
            vote_session=data.get("vote_session"),
            request=request,
        )

    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _saved(request, form, save, _("Recommandation créée (brouillon).")))
    ):
        return response
    return _form_page(
        request, "decisions/recommendation_form.html", {"form": form, "recommendation": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)

    def update(data: dict):
        recommendation_services.recommendation_update(
            recommendation=recommendation, actor=request.user, **data
        )
        return recommendation

    return _edit_page(
        request,
        recommendation,
        form_class=RecommendationForm,
        update=update,
        done=_("Recommandation modifiée."),
        template="decisions/recommendation_form.html",
        context={
            "recommendation": recommendation,
            "linked": selectors.linked_titles(request.user, recommendation),
        },
    )


@login_required
@require_POST
def recommendation_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    form = RecommendationStatusForm(request.POST)
    if form.is_valid():
        try:
            recommendation_services.recommendation_status_change(
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
    source_links.recommendation_source_remove(
        source=source, actor=request.user, note=request.POST.get("note", "")
    )
    return _sources_changed(
        request,
        recommendation,
        _("« %(title)s » est retirée des sources.")
        % {"title": selectors.proposal_title_for(request.user, source.proposal)},
    )


@login_required
@require_POST
def recommendation_vote_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    link = get_object_or_404(
        RecommendationVoteSource.objects.select_related("session", "recommendation"),
        pk=link_pk,
        recommendation=recommendation,
    )
    source_links.recommendation_vote_source_remove(link=link, actor=request.user)
    return _sources_changed(
        request,
        recommendation,
        _("Le vote « %(title)s » est retiré.") % {"title": link.session.title},
    )


def _sources_changed(
    request: HttpRequest, recommendation, done: str = "", error: str = ""
) -> HttpResponse:
    """After a source was added or removed: the sources panel again for htmx (what was done
    said in its live region), else the page, at the panel, with the same search."""
    if request.headers.get("HX-Request"):
        context = _recommendation_context(request, recommendation)
        context["picker"] = _picker(request, recommendation, error=error, done=done)
        return render(request, "decisions/includes/sources_panel.html", context)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    q = (request.POST.get("q") or "").strip()
    url = recommendation.get_absolute_url() + (f"?{urlencode({'q': q})}" if q else "")
    return redirect(f"{url}#sources")


@login_required
@require_POST
def recommendation_source_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """« Ajouter » on a result of the source picker: kind and number of what to link."""
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    kind = request.POST.get("kind", "")
    try:
        source = sources.get(request.user, kind, request.POST.get("id"))
        source_links.recommendation_link(
            recommendation=recommendation, source=source, actor=request.user
        )
    except DomainError as exc:
        return _sources_changed(request, recommendation, error=exc.message)
    return _sources_changed(request, recommendation, sources.added_message(source))


@login_required
@require_GET
def recommendation_source_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker's results alone (htmx, as the editor types); the page itself without it."""
    _require_editor(request)
    recommendation = get_recommendation_for_user(request.user, pk)
    if not request.headers.get("HX-Request"):
        q = (request.GET.get("q") or "").strip()
        return redirect(
            recommendation.get_absolute_url()
            + (f"?{urlencode({'q': q})}" if q else "")
            + "#sources"
        )
    context = {"recommendation": recommendation, "picker": _picker(request, recommendation)}
    return render(request, "decisions/includes/source_results.html", context)


@login_required
@require_POST
def recommendation_from(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """« Faire de ce résultat une recommandation »: a draft pre-filled from a vote, a group of
    ideas or a proposal, then its form to rewrite it."""
    _require_editor(request)
    try:
        source = sources.get(request.user, kind, pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    try:
        recommendation = drafts.recommendation_draft_from(
            actor=request.user, source=source, request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("decisions:recommendations")
        return redirect(back)
    messages.success(
        request,
        _(
            "Brouillon de recommandation créé, avec sa source. Relisez le titre, l'axe et le "
            "texte, puis enregistrez : vous pourrez ensuite ajouter d'autres sources."
        ),
    )
    return redirect("decisions:recommendation_edit", pk=recommendation.pk)


@require_GET
def recommendation_trace_page(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, pk)
    return trace_page(request, recommendation, action=None)


@require_GET
def recommendation_trace_svg(request: HttpRequest, pk: int) -> HttpResponse:
    return trace_svg(request, build_trace(get_recommendation_for_user(request.user, pk)))


@require_GET
def recommendation_trace_csv(request: HttpRequest, pk: int) -> HttpResponse:
    trace = build_trace(get_recommendation_for_user(request.user, pk))
    return trace_csv(request, trace, filename=f"recommandation-{pk}-sources.csv")


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
            Measurement, pk=parse_id(request.POST.get("delete")), indicator=indicator
        )
        indicator_services.measurement_delete(measurement=measurement, actor=request.user)
        messages.success(request, _("Mesure supprimée."))
        return redirect(indicator)
    form = MeasurementForm(request.POST)

    def save(data: dict):
        return indicator_services.measurement_record(
            indicator=indicator,
            actor=request.user,
            on=data["date"],
            value=data["value"],
            source=data["source"],
        )

    if form.is_valid() and (
        response := _saved(request, form, save, _("Mesure enregistrée."), indicator)
    ):
        return response
    context = _indicator_context(request, indicator, measurement_form=form)
    return render(request, "decisions/indicator_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = IndicatorCreateForm(request.POST or None)

    def save(data: dict):
        slug = data.pop("slug", "")
        return indicator_services.indicator_create(actor=request.user, slug=slug, **data)

    if (
        request.method == "POST"
        and form.is_valid()
        and (response := _saved(request, form, save, _("Indicateur créé.")))
    ):
        return response
    return _form_page(request, "decisions/indicator_form.html", {"form": form, "indicator": None})


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_editor(request)
    indicator = get_object_or_404(Indicator, slug=slug)

    def update(data: dict):
        indicator_services.indicator_update(indicator=indicator, actor=request.user, **data)
        return indicator

    return _edit_page(
        request,
        indicator,
        form_class=IndicatorForm,
        update=update,
        done=_("Indicateur modifié."),
        template="decisions/indicator_form.html",
        context={"indicator": indicator},
    )


# --- Dashboard and notifications ---------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/dashboard.html", selectors.dashboard_data(user=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [i for i in map(parse_id, request.POST.getlist("ids")) if i is not None] or None
        notification_services.notifications_mark_read(user=request.user, ids=ids)
        messages.success(request, _("Notifications marquées comme lues."))
        if request.POST.get("next") == reverse("accounts:contributions"):
            return redirect("accounts:contributions")
        return redirect("decisions:notifications")
    items = list(Notification.objects.filter(recipient=request.user)[:100])
    return render(
        request,
        "decisions/notification_list.html",
        {"notifications": items, "unread": sum(1 for n in items if n.read_at is None)},
    )


# --- Following -----------------------------------------------------------------------------------


@require_POST
def follow(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Follow or unfollow (``on=1|0``): the button again for htmx, else back to the page."""
    if not request.user.is_authenticated:
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return redirect(f"{reverse('account_login')}?{urlencode({'next': back})}")
    try:
        target = follows.target_get(kind, pk, user=request.user)
    except DomainError as exc:
        raise Http404(exc.message) from None
    on = request.POST.get("on") == "1"
    follows.follow_set(user=request.user, target=target, on=on)
    if request.headers.get("HX-Request"):
        context = follow_context({"request": request, "user": request.user}, target)
        return render(request, "decisions/includes/follow_button.html", {**context, "live": True})
    messages.success(
        request,
        _("Vous suivez désormais cet élément.") if on else _("Vous ne suivez plus cet élément."),
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = target.get_absolute_url()
    return redirect(back)
