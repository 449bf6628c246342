"""A small same-site crawler over the Django test client, and the page checks it applies.

The crawl starts from a few entry points and follows every link of every
HTML page, so that a page type added by any app is checked as soon as some
page links to it — no list of URLs to keep up to date.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.urls import Resolver404, resolve

ENTRY_POINTS = [
    "/",
    "/propositions/",
    "/ateliers/",
    "/votes/",
    "/actions/",
    "/recommandations/",
    "/indicateurs/",
    "/syntheses/",
    "/donnees/",
    "/compte/",
    "/compte/contributions/",
    "/compte/journal/",
    "/tableau-de-bord/",
    "/notifications/",
    "/rejoindre/",
    "/accessibilite/",
    "/mentions-legales/",
    "/accounts/login/",
    "/accounts/signup/",
    "/api/v1/",
    "/api/v1/docs",
    "/api/v1/openapi.json",
]
# Never followed: they change state on GET or end the crawl's session.
SKIPPED_PREFIXES = ("/accounts/logout", "/static/", "/i18n/", "/admin/logout", "/compte/supprimer")
PER_ROUTE = 3  # pages visited per URL pattern (/propositions/<pk>/ …)
MAX_PAGES = 250


class PageParser(HTMLParser):
    """Collects links and the things a CSP page must not contain."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.problems: list[str] = []
        self.nonces: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler attribute")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style attribute")
            if (
                name in ("href", "src", "action", "formaction")
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            data_block = kind in ("application/json", "application/ld+json", "text/template")
            if not attributes.get("src") and not data_block:
                self._in_inline_script = True
                if attributes.get("nonce"):
                    self.nonces.append(attributes["nonce"])
                else:
                    self.problems.append("inline <script> without a nonce")
        if tag == "style":
            self.problems.append("inline <style> element")
        if tag == "label" and "for" in attributes and not attributes["for"]:
            # A radio group's label: it names no field (a fieldset and legend do).
            self.problems.append('<label for=""> names no field')
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


@dataclass
class Crawl:
    pages: dict[str, object] = field(default_factory=dict)  # path -> response
    problems: list[str] = field(default_factory=list)

    def html_pages(self):
        return {
            p: r
            for p, r in self.pages.items()
            if r.status_code == 200 and r.get("Content-Type", "").startswith("text/html")
        }


def _route_key(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.view_name


def crawl(client, *, start: list[str] | None = None, max_pages: int = MAX_PAGES) -> Crawl:
    result = Crawl()
    queue = list(start or ENTRY_POINTS)
    seen: set[str] = set()
    per_route: Counter[str] = Counter()
    while queue and len(result.pages) < max_pages:
        url = urldefrag(queue.pop(0)).url
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("testserver",):
            continue
        if parts.scheme and parts.scheme not in ("http", "https"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not parts.path.startswith("/") or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        if path in seen:
            continue
        seen.add(path)
        key = _route_key(parts.path)
        if key is None:
            continue
        # Filters (?axis=…) get their own small budget so they don't crowd out detail pages.
        key = f"{key}?" if parts.query else key
        if per_route[key] >= PER_ROUTE:
            continue
        per_route[key] += 1
        response = client.get(path)
        result.pages[path] = response
        if response.status_code >= 500:
            result.problems.append(f"{path}: HTTP {response.status_code}")
            continue
        result.problems.extend(f"{path}: {p}" for p in check_headers(response))
        content_type = response.get("Content-Type", "")
        if response.status_code == 200 and content_type.startswith("text/html"):
            body = response.content.decode("utf-8", errors="replace")
            parser = PageParser()
            parser.feed(body)
            result.problems.extend(f"{path}: {p}" for p in parser.problems)
            csp = response.get("Content-Security-Policy", "")
            for nonce in parser.nonces:
                if f"'nonce-{nonce}'" not in csp:
                    result.problems.append(f"{path}: script nonce not in the CSP header")
            queue.extend(parser.links)
        elif (
            response.status_code == 200
            and "svg" in content_type
            and b"<script" in response.content.lower()
        ):
            result.problems.append(f"{path}: script inside an SVG image")
    return result


def check_headers(response) -> list[str]:
    """The headers every response carries, whatever its type."""
    problems = []
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options: nosniff missing")
    if response.get("Referrer-Policy") not in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ):
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    if "camera=()" not in response.get("Permissions-Policy", ""):
        problems.append("Permissions-Policy missing")
    csp = response.get("Content-Security-Policy")
    if not csp:
        problems.append("no enforced Content-Security-Policy")
        return problems
    directives = {
        d.strip().split(" ", 1)[0]: d.strip().split(" ")[1:] for d in csp.split(";") if d.strip()
    }
    scripts = directives.get("script-src", directives.get("default-src", []))
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        if bad in scripts:
            problems.append(f"script-src allows {bad}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if "base-uri" not in directives:
        problems.append("base-uri missing")
    return problems
