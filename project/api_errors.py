"""JSON errors for the API: ``{"code": ..., "message": ..., "fields": {...}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from project.errors import DomainError


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [str(part) for part in error.get("loc", [])]
            # Drop only the leading source markers: a field may itself be called "body".
            while len(loc) > 1 and loc[0] in ("body", "payload", "query", "path"):
                loc.pop(0)
            fields.setdefault(".".join(loc) or "__all__", []).append(error.get("msg", ""))
        body = {
            "code": "invalid",
            "message": _("Certaines données sont invalides."),
            "fields": fields,
        }
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        body = {"code": "not_authenticated", "message": _("Authentification requise.")}
        return api.create_response(request, body, status=401)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        body = {"code": "forbidden", "message": str(exc) or _("Action non autorisée.")}
        return api.create_response(request, body, status=403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        body = {"code": "not_found", "message": _("Ressource introuvable.")}
        return api.create_response(request, body, status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        body = {"code": "error", "message": str(exc)}
        return api.create_response(request, body, status=exc.status_code)
