from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from project.errors import DomainError, add_form_error
from project.streaming import streaming_response
from summaries import opendata, services
from summaries.forms import PublishForm, SummaryCreateForm, SummaryDraftForm
from summaries.generation import left_out
from summaries.models import DecisionSummary, SummaryPdf, SummaryVersion, section_label
from summaries.pdf import PdfUnavailableError, render_pdf, version_pdf
from summaries.presentation import summary_document, version_text, versions_diff
from summaries.rules import can_edit_summaries
from summaries.selectors import get_summary_for_user, get_version_for_user
from workshops.models import Workshop


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_summaries(request.user):
        raise PermissionDenied(_("Réservé aux éditeur·rices du Codev."))


def _closed_workshops_without_summary():
    return (
        Workshop.objects.filter(state__in=services.SUMMARISABLE_WORKSHOP_STATES)
        .exclude(Exists(DecisionSummary.objects.filter(workshop=OuterRef("pk"))))
        .order_by("-starts_at")
        .only("pk", "slug", "title", "starts_at")
    )


@require_GET
def summary_list(request: HttpRequest) -> HttpResponse:
    published = (
        DecisionSummary.objects.published()
        .select_related("current_version")
        .order_by("-current_version__published_at")
    )
    context = {"published": published}
    if can_edit_summaries(request.user):
        context.update(
            drafts=DecisionSummary.objects.filter(current_version__isnull=True).order_by(
                "-updated_at"
            ),
            closed_workshops=_closed_workshops_without_summary(),
            create_form=SummaryCreateForm(),
        )
    return render(request, "summaries/summary_list.html", context)


@login_required
@require_POST
def summary_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = SummaryCreateForm(request.POST)
    if form.is_valid():
        try:
            summary = services.summary_create(
                actor=request.user,
                scope=form.cleaned_data["scope"],
                title=form.cleaned_data["title"],
                axis=form.cleaned_data["axis"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            return redirect("summaries:edit", slug=summary.slug)
    # Re-display what was typed, with the errors.
    context = {
        "published": DecisionSummary.objects.published().select_related("current_version"),
        "drafts": DecisionSummary.objects.filter(current_version__isnull=True),
        "closed_workshops": _closed_workshops_without_summary(),
        "create_form": form,
    }
    return render(request, "summaries/summary_list.html", context, status=400)


@login_required
@require_POST
def summary_create_for_workshop(request: HttpRequest, workshop_slug: str) -> HttpResponse:
    _require_editor(request)
    workshop = get_object_or_404(Workshop, slug=workshop_slug)
    try:
        summary = services.summary_create_for_workshop(actor=request.user, workshop=workshop)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("summaries:list")
    return redirect("summaries:edit", slug=summary.slug)


@require_GET
def summary_detail(request: HttpRequest, slug: str) -> HttpResponse:
    summary = get_summary_for_user(request.user, slug)
    if summary.current_version is None:
        # Only editors get here (the public gets a 404): the draft is where they work.
        return redirect("summaries:edit", slug=summary.slug)
    return _render_version(request, summary.current_version, summary=summary)


@require_GET
def summary_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = get_version_for_user(request.user, slug, number)
    return _render_version(request, version, summary=version.summary)


def _render_version(request: HttpRequest, version: SummaryVersion, *, summary) -> HttpResponse:
    versions = list(
        summary.versions.order_by("-number").only(
            "pk", "number", "published_at", "change_note", "summary_id"
        )
    )
    previous = (
        SummaryVersion.objects.filter(summary=summary, number=version.number - 1).first()
        if version.number > 1
        else None
    )
    context = {
        **summary_document(version),
        "summary": summary,
        "version": version,
        "versions": versions,
        "is_latest": versions and versions[0].number == version.number,
        "previous": previous,
        "diff": versions_diff(previous.text, version.text) if previous else None,
        "can_edit": can_edit_summaries(request.user),
        # Rendered by a task on publication: until then the page says it is on its way
        # (without that task, the PDF is rendered when first asked for, as before).
        "pdf_ready": not settings.SUMMARY_PDF_ON_PUBLISH
        or SummaryPdf.objects.filter(
            version=version, language=translation.get_language() or settings.LANGUAGE_CODE
        ).exists(),
    }
    return render(request, "summaries/summary_detail.html", context)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _pdf_unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "summaries/pdf_unavailable.html", status=503)


@require_GET
def summary_pdf(request: HttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    version = get_version_for_user(request.user, slug, number)
    try:
        content = version_pdf(version)
    except PdfUnavailableError:
        return _pdf_unavailable(request)
    return _pdf_response(content, f"{slug}-v{version.number}.pdf")


@login_required
@require_GET
def summary_preview(request: HttpRequest, slug: str) -> HttpResponse:
    _require_editor(request)
    summary = get_summary_for_user(request.user, slug)
    if request.GET.get("format") == "pdf":
        try:
            return _pdf_response(render_pdf(summary, draft=True), f"{slug}-brouillon.pdf")
        except PdfUnavailableError:
            return _pdf_unavailable(request)
    context = {
        **summary_document(summary),
        "summary": summary,
        "preview": True,
        "diff": versions_diff(summary.current_version.text, version_text(summary))
        if summary.current_version
        else None,
    }
    return render(request, "summaries/summary_preview.html", context)


def _draft_form(request: HttpRequest, summary: DecisionSummary, *, bound: bool = True):
    return SummaryDraftForm(
        request.POST if bound and request.method == "POST" else None,
        sections=services.normalised_sections(summary),
        scope=summary.scope,
        initial={"title": summary.title, "intro": summary.intro},
    )


def _parse_move(value: str) -> tuple[str, int] | None:
    """``move=<key>:up`` / ``<key>:down`` from a move button (no JavaScript)."""
    key, _sep, direction = (value or "").partition(":")
    offset = {"up": -1, "down": 1}.get(direction)
    return (key, offset) if key and offset else None


@login_required
@require_http_methods(["GET", "POST"])
def summary_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The summary editor: text, sections (reordered by drag, or by « Monter » / « Descendre »,
    which also work as plain submit buttons), what is left out (one click to include), the live
    preview (``summary_live_preview``) and publication. A POST names its action: « regenerate »,
    « publish », or the form's own buttons (save, move, include, exclude); one handler each."""
    _require_editor(request)
    summary = get_summary_for_user(request.user, slug)
    if request.method != "POST":
        return _editor_page(request, summary, _draft_form(request, summary), PublishForm())
    action = request.POST.get("action", "save")
    handler = {"regenerate": _edit_regenerate, "publish": _edit_publish}.get(action, _edit_save)
    return handler(request, summary)


def _editor_page(request, summary, form, publish_form, *, status: int = 200) -> HttpResponse:
    context = {
        "summary": summary,
        "form": form,
        "moved": request.GET.get("moved", ""),
        "publish_form": publish_form,
        "left_out": left_out(summary),
        "versions": summary.versions.order_by("-number").only(
            "number", "published_at", "summary_id"
        ),
        **_live_preview_context(summary),
    }
    return render(request, "summaries/summary_edit.html", context, status=status)


def _edit_regenerate(request: HttpRequest, summary: DecisionSummary) -> HttpResponse:
    services.summary_regenerate(summary=summary, actor=request.user)
    messages.success(request, _("Les chiffres ont été recalculés à partir des données actuelles."))
    return redirect("summaries:edit", slug=summary.slug)


def _edit_publish(request: HttpRequest, summary: DecisionSummary) -> HttpResponse:
    publish_form = PublishForm(request.POST)
    if publish_form.is_valid():
        try:
            version = services.summary_publish(
                summary=summary,
                actor=request.user,
                change_note=publish_form.cleaned_data["change_note"],
                request=request,
            )
        except DomainError as exc:
            add_form_error(publish_form, exc, field="change_note" if exc.field else None)
        else:
            messages.success(request, _("Version %(number)d publiée.") % {"number": version.number})
            return redirect("summaries:detail", slug=summary.slug)
    form = _draft_form(request, summary, bound=False)
    return _editor_page(request, summary, form, publish_form, status=400)


def _edit_save(request: HttpRequest, summary: DecisionSummary) -> HttpResponse:
    """Save, and the buttons that save on their way: a move, an inclusion, an exclusion."""
    form = _draft_form(request, summary)
    if not form.is_valid():
        return _editor_page(request, summary, form, PublishForm(), status=400)
    move = _parse_move(request.POST.get("move", ""))
    include = request.POST.get("include", "")
    exclude = request.POST.get("exclude", "")
    try:
        order = services.summary_draft_save(
            summary=summary,
            actor=request.user,
            title=form.cleaned_data["title"],
            intro=form.cleaned_data["intro"],
            sections=form.sections_payload(),
            move=move,
            include=include,
            exclude=exclude,
        )
    except DomainError as exc:
        add_form_error(form, exc)
        return _editor_page(request, summary, form, PublishForm(), status=400)
    url = reverse("summaries:edit", kwargs={"slug": summary.slug})
    if move is not None:
        key = move[0]
        messages.success(
            request,
            _("« %(section)s » est maintenant en position %(position)d sur %(count)d.")
            % {
                "section": section_label(key, summary.scope),
                "position": order.index(key) + 1,
                "count": len(order),
            },
        )
        # The page comes back with the focus on the button pressed (autofocus, which also
        # scrolls to it; a #fragment in the address would cancel autofocus).
        return redirect(f"{url}?moved={key}:{'up' if move[1] < 0 else 'down'}")
    if include:
        messages.success(request, _("Élément inclus dans la synthèse."))
        return redirect(f"{url}#left-out-title")
    if exclude:
        messages.success(request, _("Élément retiré de la synthèse."))
        return redirect(f"{url}#left-out-title")
    messages.success(request, _("Brouillon enregistré."))
    return redirect(url)


def _live_preview_context(document) -> dict:
    return {"live": summary_document(document), "live_title": document.title}


@login_required
@require_POST
def summary_live_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The summary as it would be published with the editor's unsaved text and order: the
    editor's live preview (htmx swaps it in). Saves nothing."""
    _require_editor(request)
    summary = get_summary_for_user(request.user, slug)
    form = _draft_form(request, summary)
    error = ""
    context: dict = {}
    if form.is_valid():
        try:
            document = services.summary_draft_preview(
                summary=summary,
                actor=request.user,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
                sections=form.sections_payload(),
            )
        except DomainError as exc:
            error = exc.message
        else:
            context = _live_preview_context(document)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    # 200 either way: htmx swaps the answer in, an error included.
    return render(
        request, "summaries/_live_preview.html", {**context, "summary": summary, "error": error}
    )


# --- Open data ---------------------------------------------------------------------------------


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    context = {
        "datasets": opendata.DATASETS,
        "licence_name": opendata.LICENCE_NAME,
        "licence_url": opendata.LICENCE_URL,
    }
    return render(request, "summaries/open_data.html", context)


@require_GET
def open_data_export(request: HttpRequest, dataset: str, fmt: str) -> StreamingHttpResponse:
    data = opendata.DATASETS_BY_SLUG.get(dataset)
    if data is None or fmt not in ("csv", "json"):
        raise Http404("dataset")
    if fmt == "csv":
        response = streaming_response(
            request, opendata.iter_csv(data, request), content_type="text/csv; charset=utf-8"
        )
    else:
        response = streaming_response(
            request,
            opendata.iter_json(data, request),
            content_type="application/json; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="agir-ensemble-{data.slug}.{fmt}"'
    response["Link"] = f'<{opendata.LICENCE_URL}>; rel="license"'
    return response
