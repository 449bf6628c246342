"""/metrics (Prometheus) and the liveness and readiness probes."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops import metrics

logger = logging.getLogger(__name__)


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    if settings.METRICS_ALLOWED_IPS:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(
            address in ipaddress.ip_network(net, strict=False)
            for net in settings.METRICS_ALLOWED_IPS
        )
    return False


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for a bearer token (METRICS_TOKEN) or an allowed address
    (METRICS_ALLOWED_IPS); anything else is a 404, as if there were no such page."""
    if not _metrics_allowed(request):
        raise Http404
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Restart it if this fails; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


@never_cache
@require_GET
async def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and, where configured, Redis answer; 503 otherwise (the load
    balancer sends no traffic here until they do)."""
    body = {"status": "ok", "database": "ok"}
    try:
        await sync_to_async(_check_database, thread_sensitive=False)()
    except Exception as exc:
        logger.warning("readiness: database check failed: %s", exc)
        body["database"] = "error"
    if settings.REDIS_URL:
        seconds = await sync_to_async(metrics.redis_roundtrip, thread_sensitive=False)()
        body["redis"] = "ok" if seconds >= 0 else "error"
    if any(value == "error" for value in body.values()):
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
