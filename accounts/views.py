from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import privacy, rules
from accounts.contributions import NOTIFICATIONS_SHOWN, contributions_of
from accounts.email_previews import preview, previews
from accounts.forms import (
    AccountDeleteForm,
    AuditFilterForm,
    GuestClaimForm,
    ProfileForm,
    TermsForm,
)
from accounts.models import User
from accounts.selectors import audit_actions, audit_events_filtered
from accounts.services import guest_claim, profile_update, terms_accept
from project.errors import DomainError, add_form_error
from project.streaming import streaming_response


def _account_page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    context = {
        "form": forms.get("form") or ProfileForm(instance=request.user),
        "claim_form": forms.get("claim_form") or GuestClaimForm(),
        "terms_form": forms.get("terms_form") or TermsForm(),
        "export_minutes": int(privacy.EXPORT_MAX_AGE.total_seconds() // 60),
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
@never_cache
@require_GET
def contributions(request: HttpRequest) -> HttpResponse:
    """« Mes contributions »: what I did, what became of it, and my notifications (apart)."""
    data = contributions_of(user=request.user)
    return render(
        request,
        "accounts/contributions.html",
        {
            "c": data,
            "notifications": data.notifications[:NOTIFICATIONS_SHOWN],
            "more_notifications": len(data.notifications) > NOTIFICATIONS_SHOWN,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _account_page(request)
    # A copy: ModelForm validation writes into its instance, the service compares with the stored row.
    form = ProfileForm(request.POST, instance=User.objects.get(pk=request.user.pk))
    if form.is_valid():
        data = form.cleaned_data
        try:
            profile_update(
                user=request.user,
                display_name=data["display_name"],
                college=data["college"],
                organisation=data.get("organisation", ""),
                email_opt_in=data.get("email_opt_in", False),
                request=request,
            )
        except DomainError as exc:
            add_form_error(form, exc)
        else:
            messages.success(request, _("Votre profil est enregistré."))
            return redirect("accounts:account")
    return _account_page(request, form=form, status=400)


@login_required
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    form = GuestClaimForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        try:
            guest_claim(user=request.user, email=email, request=request)
        except DomainError as exc:
            form.add_error("email", exc.message)
            return _account_page(request, claim_form=form, status=exc.status)
        # The same answer whether the address has an account or not: the e-mail says
        # what to do (docs/security.md).
        messages.success(
            request,
            _("Un e-mail a été envoyé à %(email)s : suivez ses instructions.") % {"email": email},
        )
        return redirect("accounts:account")
    return _account_page(request, claim_form=form, status=400)


@login_required
@require_POST
def terms(request: HttpRequest) -> HttpResponse:
    form = TermsForm(request.POST)
    if not form.is_valid():
        return _account_page(request, terms_form=form, status=400)
    terms_accept(user=request.user, request=request)
    messages.success(request, _("Votre acceptation des conditions est enregistrée."))
    return redirect("accounts:account")


@login_required
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    """Make a fresh, expiring download link for the current user and go to it."""
    token = privacy.export_token_make(user=request.user)
    return redirect("accounts:export_download", token=token)


@login_required
@never_cache
@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        privacy.export_token_check(token=token, user=request.user)
    except DomainError as exc:
        return render(
            request,
            "accounts/export_error.html",
            {"message": exc.message},
            status=exc.status,
        )
    content = privacy.account_export_zip(user=request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="agir-ensemble-mes-donnees-{stamp}.zip"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.account_delete(user=request.user, request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            logout(request)
            messages.success(
                request,
                _("Votre compte est supprimé. Vos contributions restent, sans votre nom."),
            )
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/account_delete.html", {"form": form}, status=status)


# --- Audit log (staff) ------------------------------------------------------

AUDIT_PAGE_SIZE = 50
CSV_COLUMNS = [
    "date",
    "action",
    "actor_id",
    "actor",
    "target_type",
    "target_id",
    "target",
    "ip",
    "data",
]


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    if not rules.can_view_audit_log(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, actions=audit_actions())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, {k: v for k, v in filters.items() if v}


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    page = Paginator(audit_events_filtered(**filters), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "export_url": reverse("accounts:audit_export")
            + (f"?{query.urlencode()}" if query else ""),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: object) -> str:
    """Spreadsheets run cells that start with = + - @: make them text."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@login_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, filters = _audit_filters(request)
    events = audit_events_filtered(**filters)

    def rows() -> Iterator[list[str]]:
        yield CSV_COLUMNS
        for event in events.iterator(chunk_size=500):
            yield [
                _csv_safe(value)
                for value in (
                    timezone.localtime(event.created_at).isoformat(),
                    event.action,
                    event.actor_id or "",
                    event.actor.public_name if event.actor else "",
                    event.target_type,
                    event.target_id,
                    event.target_repr,
                    event.ip_address or "",
                    json.dumps(event.data, ensure_ascii=False, sort_keys=True),
                )
            ]

    writer = csv.writer(_Echo())
    response = streaming_response(
        request, (writer.writerow(row) for row in rows()), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="journal-audit-{stamp}.csv"'
    return response


@login_required
@never_cache
@require_GET
def email_previews(request: HttpRequest) -> HttpResponse:
    """Staff: every e-mail the platform sends, in French and English, text and HTML."""
    if not rules.can_view_audit_log(request.user):
        raise PermissionDenied

    return render(request, "accounts/email_previews.html", {"previews": previews()})


@login_required
@never_cache
@require_GET
@csp_update({"style-src": ["'unsafe-inline'"]})
def email_preview(request: HttpRequest, name: str, lang: str, fmt: str) -> HttpResponse:
    """One e-mail rendered with sample data; HTML as a mail client gets it (inline styles)."""
    if not rules.can_view_audit_log(request.user):
        raise PermissionDenied

    entry = preview(name)
    if entry is None or lang not in ("fr", "en") or fmt not in ("html", "txt"):
        raise Http404
    with translation.override(lang):
        rendered = entry.render(request)
    if fmt == "txt":
        body = f"{_('Objet :')} {rendered.subject}\n\n{rendered.text}"
        return HttpResponse(body, content_type="text/plain; charset=utf-8")
    return HttpResponse(rendered.html)
