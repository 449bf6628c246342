"""The outbox's task: send what is due, queued after the commit that stored the e-mails."""

from __future__ import annotations

from ops.jobs import job
from outbox.services import outbox_send


@job(max_attempts=1)  # a failed row keeps its own retry time; send_outbox runs every minute
def send_due_emails() -> dict:
    result = outbox_send()
    return {"sent": result.sent, "failed": result.failed}
