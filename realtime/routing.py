"""WebSocket routes; the workshop room consumer is added with the live rooms."""

from __future__ import annotations

websocket_urlpatterns: list = []
