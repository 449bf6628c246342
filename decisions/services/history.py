"""The history entry every write leaves, and the field-by-field diff it records."""

from __future__ import annotations

from datetime import date

from decisions.models import HistoryEntry
from project.translated import french_field


def as_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record_history(
    *, actor, verb: str, changes: dict | None = None, note: str = "", **target
) -> None:
    HistoryEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        changes=changes or {},
        note=note,
        **target,
    )


def apply_fields(obj, fields: tuple[str, ...], values: dict) -> dict:
    """Set the given fields; return {field: [old, new]} for those that changed."""
    changes = {}
    for name in fields:
        if name not in values:
            continue
        new = values[name]
        # The plain field of a translated one is its French (not the active language's) column.
        column = french_field(type(obj), name)
        old = getattr(obj, column)
        if name.endswith("_en"):
            new = new or None
        if old != new and (old or new):
            changes[name] = [as_text(old), as_text(new)]
            setattr(obj, column, new)
            if column != name:
                obj.__dict__[name] = new
    return changes
