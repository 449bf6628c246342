"""Punctuation spacing by language: French puts a narrow no-break space before « : ; ! ? »,
English none. Text assembled in code (charts, lists of label–value pairs) goes through here;
sentences in the catalogues carry their own spacing."""

from __future__ import annotations

from django.utils.translation import get_language

NARROW_NBSP = "\u202f"


def is_french() -> bool:
    return (get_language() or "fr").split("-")[0] == "fr"


def colon() -> str:
    """« : » after a label: ``\\u202f:`` in French, ``:`` in English (a space follows in both)."""
    return f"{NARROW_NBSP}:" if is_french() else ":"


def label_value(label, value) -> str:
    """``Citoyen·nes : 3`` in French, ``Citizens: 3`` in English."""
    return f"{label}{colon()} {value}"


def percent(number) -> str:
    """``33 %`` in French (as the catalogues write it), ``33%`` in English."""
    return f"{number} %" if is_french() else f"{number}%"
