"""The PDF of a summary: WeasyPrint on the same templates and SVG charts as the page.

WeasyPrint (and Pango under it) is imported only here and only when a PDF
is asked for, so the rest of the platform runs on a machine without Pango;
there the PDF answers 503 with an explanation.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from summaries.models import SummaryPdf, SummaryVersion
from summaries.presentation import summary_document

logger = logging.getLogger(__name__)


class PdfUnavailableError(Exception):
    """WeasyPrint or its system libraries are missing on this machine."""


def _static_fetcher(url: str, *args, **kwargs):
    """Only our own static files may be loaded into a PDF: no network access from user text."""
    from weasyprint.urls import default_url_fetcher

    if not url.startswith("file://"):
        raise ValueError(f"refused to fetch {url!r} into a PDF")
    static_roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    path = Path(url.removeprefix("file://")).resolve()
    if not any(path.is_relative_to(root) for root in static_roots):
        raise ValueError(f"refused to fetch {url!r} into a PDF")
    return default_url_fetcher(url, *args, **kwargs)


def render_pdf(source, *, version: SummaryVersion | None = None, draft: bool = False) -> bytes:
    """A4 PDF of a draft or a version: the Codev's header, a table of contents, page numbers."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz missing
        raise PdfUnavailableError(str(exc)) from exc
    logo = finders.find("img/favicon.svg")
    context = {
        **summary_document(source),
        "version": version,
        "draft": draft,
        "codev_name": settings.CODEV_NAME,
        "codev_address": settings.CODEV_ADDRESS,
        "platform_name": settings.PLATFORM_NAME,
        "site_url": settings.SITE_URL,
        "logo_url": Path(logo).resolve().as_uri() if logo else "",
        "printed_at": timezone.now(),
        "LANGUAGE_CODE": translation.get_language(),
    }
    html = render_to_string("summaries/summary_pdf.html", context)
    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=_static_fetcher).write_pdf()


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
