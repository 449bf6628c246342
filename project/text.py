"""Plain-text helpers shared by every app (not HTML: see ``project/sanitizer.py``)."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides and isolates, zero-width characters and other invisible
# format characters: they let text pretend to be something else.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


def strip_invisible(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value)
    # Control characters other than newline and tab.
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def clean_line(value: str, *, max_length: int | None = None) -> str:
    """One line of user text: invisible characters removed, whitespace collapsed."""
    value = " ".join(strip_invisible(value or "").split())
    if max_length is not None:
        value = value[:max_length]
    return value
