"""WebSocket routes (mounted by project/asgi.py behind the origin check and the session auth)."""

from __future__ import annotations

from django.urls import path

from realtime.consumers import RoomConsumer

websocket_urlpatterns: list = [
    path("ws/workshops/<slug:slug>/", RoomConsumer.as_asgi()),
]
