"""The one bounded integer id: 0 < id < 2**63, what the database's bigint can hold.

A number beyond it would reach the database and fail there (a 500); a digit that is
not ASCII (« ² » passes ``str.isdigit``) would fail in ``int()``. Everywhere an id comes
from outside — a URL path (the ``id`` converter), an API path or query string or body
(``Id``), a form or a socket frame (``parse_id``) — it goes through this module.
"""

from __future__ import annotations

import re
from typing import Annotated

from django.urls import register_converter
from django.urls.converters import get_converters
from pydantic import Field

ID_MAX = 2**63 - 1

# For django-ninja / pydantic: the OpenAPI schema states the bounds.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw) -> int | None:
    """``raw`` (a string of ASCII digits or an int) as an id, or None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw):
        value = int(raw)
    else:
        return None
    return value if 0 < value <= ID_MAX else None


class IdConverter:
    """URL path converter ``<id:pk>``: a bounded id, else the route does not match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(value)
        return parsed

    def to_url(self, value) -> str:
        return str(int(value))


def register() -> None:
    """Register ``<id:…>`` once, before the apps' URLconfs are read (``project/urls.py``)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
