from __future__ import annotations

import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from project.home import home_data
from proposals.models import Axis

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    axes = Axis.objects.strategic()
    themes = Axis.objects.transversal()
    return render(
        request,
        "pages/home.html",
        {"axes": axes, "themes": themes, **home_data(user=request.user)},
    )


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@require_GET
def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/legal.html", {"outbox_keep_days": settings.OUTBOX_KEEP_DAYS})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness of the parts a request needs: the database and the channel layer."""
    body = {"status": "ok", "database": "ok", "channel_layer": "ok"}
    try:
        await sync_to_async(_check_database)()
    except Exception as exc:  # any failure is reported, never raised
        logger.warning("healthz: database check failed: %s", exc)
        body["database"] = "error"
    try:
        await _check_channel_layer()
    except Exception as exc:
        logger.warning("healthz: channel layer check failed: %s", exc)
        body["channel_layer"] = "error"
    if body["database"] != "ok" or body["channel_layer"] != "ok":
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
