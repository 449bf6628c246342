"""Jobs used by tests/ops (module-level, as the task API requires)."""

from __future__ import annotations

from ops.context import current_request_id
from ops.jobs import job

SEEN: list[str] = []


@job(max_attempts=3)
def flaky(fail: bool) -> str:
    SEEN.append(current_request_id())
    if fail:
        raise RuntimeError("the mail server is away")
    return current_request_id()
