"""What the home page shows of the process as it goes: live and next workshops, the latest
decisions and action updates, the 4 founding indicators. A fixed number of queries."""

from __future__ import annotations

from django.utils import timezone

from decisions.models import ActionUpdate, Indicator, Recommendation
from decisions.selectors import indicators_with_trends
from workshops.models import Participant, Visibility, WorkshopState
from workshops.models import Workshop as W

HOME_UPCOMING = 3
HOME_DECISIONS = 3
HOME_UPDATES = 3


def home_data(*, user) -> dict:
    now = timezone.now()
    # Public live workshops, and the public ones to come (those already past their start
    # but not opened yet stay listed: they are about to open). One query.
    workshops = list(
        W.objects.filter(
            visibility=Visibility.PUBLIC, state__in=[WorkshopState.LIVE, WorkshopState.SCHEDULED]
        ).order_by("starts_at", "pk")[:20]
    )
    live = [w for w in workshops if w.state == WorkshopState.LIVE]
    upcoming = [w for w in workshops if w.state == WorkshopState.SCHEDULED][:HOME_UPCOMING]
    joined: set[int] = set()
    if live and user.is_authenticated:
        joined = set(
            Participant.objects.filter(
                user=user, removed_at__isnull=True, workshop__in=[w.pk for w in live]
            ).values_list("workshop_id", flat=True)
        ) | set(
            W.facilitators.through.objects.filter(
                user=user, workshop_id__in=[w.pk for w in live]
            ).values_list("workshop_id", flat=True)
        )
    for workshop in live:
        workshop.joined = workshop.pk in joined  # type: ignore[attr-defined]  # for the template
    decisions = list(
        Recommendation.objects.public()
        .filter(published_at__isnull=False)
        .select_related("axis")
        .order_by("-published_at", "-pk")[:HOME_DECISIONS]
    )
    updates = list(
        ActionUpdate.objects.filter(action__recommendation__in=Recommendation.objects.public())
        .select_related("action")
        .order_by("-date", "-pk")[:HOME_UPDATES]
    )
    # The founding document's 4 success indicators (employment, land, innovation, training).
    indicators = indicators_with_trends(Indicator.objects.success().order_by("order", "pk"))
    for view in indicators:
        view.change = _change(view)  # type: ignore[attr-defined]  # for the template
    return {
        "live": live,
        "upcoming": upcoming,
        "decisions": decisions,
        "updates": updates,
        "indicators": indicators,
        "now": now,
        "has_activity": bool(live or upcoming or decisions or updates),
    }


def _change(view) -> dict | None:
    """The last move of an indicator: up or down since the previous measurement, good or not."""
    if len(view.measurements) < 2:
        return None
    last, previous = view.measurements[-1].value, view.measurements[-2].value
    if last == previous:
        return {"way": "flat", "delta": 0, "good": None, "since": view.measurements[-2].date}
    way = "up" if last > previous else "down"
    return {
        "way": way,
        "delta": last - previous,
        "delta_abs": abs(last - previous),
        "good": way == view.indicator.direction,
        "since": view.measurements[-2].date,
    }
