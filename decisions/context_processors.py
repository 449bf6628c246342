from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from decisions.selectors import unread_notification_count


def notifications(request: HttpRequest) -> dict:
    """The header badge: unread notifications, counted only if the template shows it (1 query)."""
    user = getattr(request, "user", None)
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user))}
