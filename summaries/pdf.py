"""The PDF of a summary: WeasyPrint on the same templates and SVG charts as the page.

WeasyPrint (and Pango under it) is imported only here and only when a PDF
is asked for, so the rest of the platform runs on a machine without Pango;
there the PDF answers 503 with an explanation.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from summaries.models import SummaryPdf, SummaryVersion
from summaries.presentation import summary_document

logger = logging.getLogger(__name__)


class PdfUnavailableError(Exception):
    """WeasyPrint or its system libraries are missing on this machine."""


def _no_fetch(url: str, *args, **kwargs):
    """Nothing is fetched into a PDF (no network access from user text): everything is inline."""
    raise ValueError(f"refused to fetch {url!r} into a PDF")


def _logo_svg() -> SafeString:
    """The platform's logo, inlined: our own static file, not user input."""
    path = finders.find("img/favicon.svg")
    if not path:
        return SafeString("")
    svg = Path(path).read_text(encoding="utf-8")
    return SafeString(re.sub(r"<\?xml[^>]*\?>", "", svg).strip())


def render_pdf(source, *, version: SummaryVersion | None = None, draft: bool = False) -> bytes:
    """A4 PDF of a draft or a version: the Codev's header, a table of contents, page numbers."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz missing
        raise PdfUnavailableError(str(exc)) from exc
    context = {
        **summary_document(source),
        "version": version,
        "draft": draft,
        "codev_name": settings.CODEV_NAME,
        "codev_address": settings.CODEV_ADDRESS,
        "platform_name": settings.PLATFORM_NAME,
        "site_url": settings.SITE_URL,
        "logo_svg": _logo_svg(),
        "printed_at": timezone.now(),
        "LANGUAGE_CODE": translation.get_language(),
    }
    html = render_to_string("summaries/summary_pdf.html", context)
    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=_no_fetch).write_pdf()


def version_pdf(version: SummaryVersion) -> bytes:
    """The version's PDF in the current language, rendered once and then served from the database."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    cached = (
        SummaryPdf.objects.filter(version=version, language=language)
        .values_list("content", flat=True)
        .first()
    )
    if cached is not None:
        return bytes(cached)
    content = render_pdf(version, version=version)
    # Two first readers at once both render; the unique constraint keeps one copy.
    SummaryPdf.objects.get_or_create(
        version=version, language=language, defaults={"content": content}
    )
    return content
