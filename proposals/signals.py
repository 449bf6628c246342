"""Signals other apps listen to (notifications: "what became of my idea").

``proposal_status_changed`` is sent by the proposal services after commit,
with ``proposal``, ``old_status``, ``new_status``, ``actor`` and ``reason``.
"""

from __future__ import annotations

from django.dispatch import Signal

proposal_status_changed = Signal()
