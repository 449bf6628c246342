"""A request id for every request (X-Request-ID from the proxy, or a new one), set for the
logs and the tasks the request queues, returned in the response; the request's latency,
by route, for /metrics."""

from __future__ import annotations

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from ops import metrics
from ops.context import clean_request_id, request_id_var


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return match.route or match.view_name or "<unnamed>"


class RequestIdMiddleware:
    async_capable = True
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        token, start = self._begin(request)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        return self._end(request, response, start)

    async def __acall__(self, request):
        token, start = self._begin(request)
        try:
            response = await self.get_response(request)
        finally:
            request_id_var.reset(token)
        return self._end(request, response, start)

    @staticmethod
    def _begin(request):
        request.request_id = clean_request_id(request.headers.get("X-Request-ID"))
        return request_id_var.set(request.request_id), time.perf_counter()

    @staticmethod
    def _end(request, response, start):
        metrics.HTTP_LATENCY.labels(route=_route(request), method=request.method).observe(
            time.perf_counter() - start
        )
        response.headers["X-Request-ID"] = request.request_id
        return response
