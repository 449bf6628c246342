"""The one way to write an absolute address of this site.

With a request (a page, an export, a feed being served), the address is the one the
reader used: ``request.build_absolute_uri`` (scheme, host and port, behind the proxy
as configured). Without one (an e-mail sent by a worker, a PDF rendered once and kept,
a demo seeded from the command line), it is the one setting ``SITE_URL``, which
``make run`` sets from ``PORT`` and production sets to the public address.

Anything that must not change with the address a reader used, such as the ids of feed
entries, is built from ``SITE_URL`` alone (``tag_uri``).
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def site_url() -> str:
    """The site's configured address, without a trailing slash: ``http://127.0.0.1:8000``."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """``path`` (``/syntheses/x/``, maybe with a query or a fragment) as an absolute URL.

    From the request when there is one, from ``SITE_URL`` otherwise. An address that is
    already absolute is returned as it is.
    """
    if urlsplit(path).scheme:
        return path
    if not path.startswith("/"):
        path = "/" + path
    if request is not None:
        return request.build_absolute_uri(path)
    return site_url() + path


def absolute_url_maker(request: HttpRequest | None = None):
    """``absolute_url`` bound to one request (or to none): for code that writes many links."""
    base = site_url() if request is None else request.build_absolute_uri("/").rstrip("/")

    def make(path: str) -> str:
        if urlsplit(path).scheme:
            return path
        return base + (path if path.startswith("/") else "/" + path)

    return make


def tag_uri(when: date | datetime, specific: str) -> str:
    """A stable id (RFC 4151): ``tag:agir.example.org,2026-03-02:summaries/12/v1``.

    The authority is the host of ``SITE_URL`` (never the request's), the date is the day
    the thing came into being, and ``specific`` names it by keys that do not change when
    its title does.
    """
    host = urlsplit(site_url()).hostname or "localhost"
    day = when.date() if isinstance(when, datetime) else when
    return f"tag:{host},{day.isoformat()}:{specific}"
