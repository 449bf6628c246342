"""Writes on workshops."""

from __future__ import annotations

from workshops.models import Workshop, new_join_code


def join_code_generate() -> str:
    """A join code not used by any workshop that can still be joined."""
    while True:
        code = new_join_code()
        if not Workshop.objects.not_closed().filter(join_code=code).exists():
            return code
