"""The opinion map's analysis as a task (queued by ``opinions.services.analysis_schedule``)."""

from __future__ import annotations

from opinions.services import analysis_run
from ops.jobs import job


@job(priority=10, max_attempts=2)  # before PDFs and e-mails: a live room may be waiting
def compute_analysis(conversation_id: int) -> int:
    return analysis_run(conversation_id).version
