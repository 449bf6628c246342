"""Background work of summaries: the publication e-mails and the PDF of a new version."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation

from ops.jobs import job
from outbox.services import outbox_enqueue, outbox_send
from summaries.models import SummaryVersion
from summaries.notifications import publication_emails
from summaries.pdf import PdfUnavailableError, version_pdf

logger = logging.getLogger(__name__)


@job()
def send_publication_emails(version_id: int) -> int:
    """One e-mail per participant who opted in (built here, not in the publishing request),
    queued in the outbox and sent; returns the number queued. What SMTP refuses stays due
    in the outbox, retried by the scheduled send_outbox."""
    version = SummaryVersion.objects.select_related("summary").get(pk=version_id)
    queued = outbox_enqueue(
        kind="summary.published", emails=publication_emails(version), send_after_commit=False
    )
    if queued:
        outbox_send()
    return queued


@job(priority=-10)  # after the e-mails: people are told first, the PDF follows
def render_version_pdf(version_id: int) -> list[str]:
    """Render and store the version's PDF in every language of the site; returns them."""
    version = SummaryVersion.objects.select_related("summary").get(pk=version_id)
    done = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            try:
                version_pdf(version)
            except PdfUnavailableError as exc:  # no Pango here: retrying will not help
                logger.warning("PDF of version %s not rendered: %s", version_id, exc)
                return done
        done.append(language)
    return done
