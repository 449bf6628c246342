"""The site's own links in a page: what the crawling tests follow (plurals, the server log)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def site_links(html: str) -> list[str]:
    """The paths of the ``<a href>`` of ``html`` that stay on the site, without fragments."""
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.links:
        href, _ = urldefrag(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        out.append(href)
    return out
