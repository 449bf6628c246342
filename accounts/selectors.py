"""Reads on accounts: the audit log for staff."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent


def audit_actions() -> list[str]:
    """The actions present in the log, for the filter (one query)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_events_filtered(
    *,
    action: str = "",
    q: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, with their actor in the same query."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if action:
        events = events.filter(action=action)
    if q:
        events = events.filter(
            Q(target_repr__icontains=q)
            | Q(target_id=q)
            | Q(actor__display_name__icontains=q)
            | Q(actor__username__icontains=q)
            | Q(action__icontains=q)
        )
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(created_at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return events
