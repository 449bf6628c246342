from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from proposals.models import Axis


def platform(request: HttpRequest) -> dict:
    """Platform name, the Codev's address and the axes for the header, on every page."""
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "CODEV_NAME": settings.CODEV_NAME,
        "CODEV_ADDRESS": settings.CODEV_ADDRESS,
        "nav_axes": Axis.objects.nav(),
    }
