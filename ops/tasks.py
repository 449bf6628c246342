"""The periodic jobs' task: a management command from the schedule (ops.schedule)."""

from __future__ import annotations

import io

from django.core.management import call_command

from ops.jobs import job
from ops.schedule import SCHEDULE


@job(max_attempts=1)  # the next slot is the retry
def scheduled_command(name: str) -> str:
    if name not in {entry.command for entry in SCHEDULE}:
        raise ValueError(f"{name!r} is not a scheduled command")
    out = io.StringIO()
    try:
        call_command(name, stdout=out, stderr=out)
    except SystemExit as exit_:  # send_outbox exits 1 when a send failed: that is a failure
        if exit_.code:
            raise RuntimeError(f"{name} exited with {exit_.code}: {out.getvalue()}") from None
    return out.getvalue()[-2000:]
