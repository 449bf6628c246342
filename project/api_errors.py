"""JSON errors for the API: ``{"code": ..., "message": ..., "fields": {...}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from project.errors import DomainError


def _field_message(error: dict) -> str:
    """A translated message for one pydantic error (its own messages are English only)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("Ce champ est obligatoire."),
        "string_type": _("Ce champ doit être un texte."),
        "string_too_short": _("Ce texte est trop court (au moins %(n)s caractères)."),
        "string_too_long": _("Ce texte est trop long (au plus %(n)s caractères)."),
        "too_short": _("Cette liste est trop courte (au moins %(n)s éléments)."),
        "too_long": _("Cette liste est trop longue (au plus %(n)s éléments)."),
        "int_type": _("Ce champ doit être un nombre entier."),
        "int_parsing": _("Ce champ doit être un nombre entier."),
        "int_from_float": _("Ce champ doit être un nombre entier."),
        "float_type": _("Ce champ doit être un nombre."),
        "float_parsing": _("Ce champ doit être un nombre."),
        "decimal_parsing": _("Ce champ doit être un nombre."),
        "bool_type": _("Ce champ doit valoir vrai ou faux."),
        "bool_parsing": _("Ce champ doit valoir vrai ou faux."),
        "greater_than": _("La valeur doit être supérieure à %(n)s."),
        "greater_than_equal": _("La valeur doit être supérieure ou égale à %(n)s."),
        "less_than": _("La valeur doit être inférieure à %(n)s."),
        "less_than_equal": _("La valeur doit être inférieure ou égale à %(n)s."),
        "list_type": _("Ce champ doit être une liste."),
        "dict_type": _("Ce champ doit être un objet."),
        "model_type": _("Ce champ doit être un objet."),
        "model_attributes_type": _("Ce champ doit être un objet."),
        "json_invalid": _("Le corps de la requête n'est pas du JSON valide."),
        "enum": _("Choisissez une valeur parmi : %(n)s."),
        "literal_error": _("Choisissez une valeur parmi : %(n)s."),
        "date_parsing": _("Date invalide (format attendu : AAAA-MM-JJ)."),
        "date_from_datetime_parsing": _("Date invalide (format attendu : AAAA-MM-JJ)."),
        "datetime_parsing": _("Date et heure invalides (format ISO 8601 attendu)."),
        "datetime_from_date_parsing": _("Date et heure invalides (format ISO 8601 attendu)."),
        "url_parsing": _("Adresse web invalide."),
        "url_scheme": _("Adresse web invalide."),
        "extra_forbidden": _("Ce champ n'est pas attendu."),
    }
    message = messages.get(kind)
    if message is None:
        return _("Valeur invalide.")
    n = (
        ctx.get("min_length")
        or ctx.get("max_length")
        or ctx.get("gt")
        or ctx.get("ge")
        or ctx.get("lt")
        or ctx.get("le")
        or ctx.get("expected")
        or ""
    )
    if "%(n)s" in message:
        return message % {"n": n}
    return message


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
            fields.setdefault(".".join(loc) or "__all__", []).append(_field_message(error))
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
