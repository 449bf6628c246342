"""The PDF of a summary: WeasyPrint on the same templates and SVG charts as the page.

WeasyPrint (and Pango under it) is imported only here and only when a PDF
is asked for, so the rest of the platform runs on a machine without Pango;
there the PDF answers 503 with an explanation.

The PDF is tagged and accessible (PDF/UA-1): its language, its title shown by readers,
a structure tree with the headings, lists and tables (with their header cells) of the
HTML, and each chart a figure with its text alternative. Its links are absolute, on
``SITE_URL`` (``project.links``): a PDF outlives the request that asked for it, so it is
kept per version, language and site address.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from project.links import absolute_url, site_url
from summaries.models import SummaryPdf, SummaryVersion
from summaries.presentation import summary_document

logger = logging.getLogger(__name__)


class PdfUnavailableError(Exception):
    """WeasyPrint or its system libraries are missing on this machine."""


def _no_fetch(url: str, *args, **kwargs):
    """Nothing is fetched into a PDF (no network access from user text): everything is inline."""
    raise ValueError(f"refused to fetch {url!r} into a PDF")


# The charts are our own inline SVG (summaries.presentation, votes.charts): ``<svg role="img">``
# with an aria-label or a <title> and <desc>. WeasyPrint tags an inline <svg> as a plain
# non-structural element; an <img> is a Figure with its ``alt`` as /Alt. So for the PDF each
# chart becomes an <img> whose source is the same SVG, handed over by the fetcher from this
# render's own table (a random prefix: nothing in the summary's text can name one).
_CHART = re.compile(r"<svg\b(?P<attrs>[^>]*)>(?P<body>.*?)</svg>", re.DOTALL)
_ATTR = re.compile(r'\b(?P<name>[\w:-]+)="(?P<value>[^"]*)"')
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.DOTALL)
_DESC = re.compile(r"<desc\b[^>]*>(.*?)</desc>", re.DOTALL)


def _chart_alt(attrs: dict[str, str], body: str) -> str:
    if attrs.get("aria-label"):
        return html_lib.unescape(attrs["aria-label"])
    parts = [m.group(1) for m in (_TITLE.search(body), _DESC.search(body)) if m]
    return html_lib.unescape(" — ".join(p.strip() for p in parts if p.strip()))


def _charts_as_figures(html: str) -> tuple[str, dict[str, bytes]]:
    """Each ``<svg role="img">`` of ``html`` with a text as an ``<img alt>``, and the SVGs
    by their address; any other ``<svg>`` (the decorative logo) is left as it is."""
    prefix = f"agir-chart-{secrets.token_hex(8)}:"
    images: dict[str, bytes] = {}

    def replace(match: re.Match) -> str:
        attrs = {m.group("name"): m.group("value") for m in _ATTR.finditer(match.group("attrs"))}
        if attrs.get("role") != "img":
            return match.group(0)
        alt = _chart_alt(attrs, match.group("body"))
        if not alt:
            return match.group(0)
        address = f"{prefix}{len(images)}"
        images[address] = match.group(0).encode()
        fluid = attrs.get("width", "").endswith("%")
        css = "pdf-chart pdf-chart--fluid" if fluid else "pdf-chart"
        return f'<img class="{css}" src="{address}" alt="{html_lib.escape(alt)}">'

    return _CHART.sub(replace, html), images


def _fetcher(images: dict[str, bytes]):
    try:  # WeasyPrint 69 (dicts are deprecated there); a dict before
        from weasyprint.urls import URLFetcherResponse  # heavy, needs Pango: see render_pdf
    except ImportError:  # pragma: no cover - older WeasyPrint
        URLFetcherResponse = None

    def fetch(url: str, *args, **kwargs):
        if url not in images:
            return _no_fetch(url)
        if URLFetcherResponse is None:  # pragma: no cover
            return {"string": images[url], "mime_type": "image/svg+xml"}
        return URLFetcherResponse(url, body=images[url], headers={"Content-Type": "image/svg+xml"})

    return fetch


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
        from weasyprint import HTML  # heavy, needs Pango: loaded when a PDF is made
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz missing
        raise PdfUnavailableError(str(exc)) from exc
    context = {
        **summary_document(source),
        "version": version,
        "draft": draft,
        "codev_name": settings.CODEV_NAME,
        "codev_address": settings.CODEV_ADDRESS,
        "platform_name": settings.PLATFORM_NAME,
        "site_url": site_url(),
        "online_url": absolute_url(_online_path(source, version)),
        "logo_svg": _logo_svg(),
        "printed_at": timezone.now(),
        "LANGUAGE_CODE": translation.get_language(),
    }
    html, images = _charts_as_figures(render_to_string("summaries/summary_pdf.html", context))
    document = HTML(string=html, base_url=site_url() + "/", url_fetcher=_fetcher(images))
    return document.write_pdf(pdf_variant="pdf/ua-1")


def _online_path(source, version: SummaryVersion | None) -> str:
    """The page of the version (or of the summary, for a draft)."""
    if version is not None:
        return version.get_absolute_url()
    summary = getattr(source, "summary", source)
    return summary.get_absolute_url()


def version_pdf(version: SummaryVersion) -> bytes:
    """The version's PDF in the current language, rendered once and then served from the database."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    address = site_url()
    cached = (
        SummaryPdf.objects.filter(version=version, language=language, site_url=address)
        .values_list("content", flat=True)
        .first()
    )
    if cached is not None:
        return bytes(cached)
    content = render_pdf(version, version=version)
    # Two first readers at once both render; the unique constraint keeps one copy. A copy
    # made for another site address (its links point there) is replaced.
    SummaryPdf.objects.update_or_create(
        version=version, language=language, defaults={"content": content, "site_url": address}
    )
    return content
