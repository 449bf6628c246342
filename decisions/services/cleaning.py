"""Cleaning of what editors type: lines, long Markdown texts and amounts, each raising a
DomainError on its field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from project.errors import DomainError
from project.text import clean_line, strip_invisible

TEXT_MAX = 20_000
AMOUNT_LIMIT = Decimal(10) ** 12


def require_text(value: str, field: str, message: str, *, max_length: int = 200) -> str:
    """A required line of text: invisible characters removed, not empty, not too long."""
    value = bounded_line(value, field, max_length=max_length)
    if not value:
        raise DomainError("required", message, field=field)
    return value


def bounded_line(value, field: str, *, max_length: int) -> str:
    value = clean_line(str(value or ""))
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(max)d caractères au plus.") % {"max": max_length},
            field=field,
        )
    return value


def long_text(value, field: str, *, max_length: int = TEXT_MAX) -> str:
    value = strip_invisible(str(value or "")).strip()
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(max)d caractères au plus.") % {"max": max_length},
            field=field,
        )
    return value


def decimal_amount(value, field: str) -> Decimal | None:
    """A decimal that fits the database columns (12 digits before the point, 2 after)."""
    if value is None or value == "":
        return None
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError("invalid_number", _("Indiquez un nombre."), field=field) from None
    if not value.is_finite() or abs(value) >= AMOUNT_LIMIT:
        raise DomainError("invalid_number", _("Ce nombre est trop grand."), field=field)
    return value.quantize(Decimal("0.01"))
