"""The request id of the work in progress: a request, a socket action, or a task it queued."""

from __future__ import annotations

import contextvars
import re
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """An incoming X-Request-ID (from the proxy) if it is sane, else a fresh one."""
    if value and _VALID.match(value):
        return value
    return new_request_id()


def current_request_id() -> str:
    return request_id_var.get()
