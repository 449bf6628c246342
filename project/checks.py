"""The platform's own production checks, run by ``manage.py check_production``.

Django's ``check --deploy`` looks at its security settings; these look at what a
production start of Agir Ensemble needs on top (docs/upgrades.md): no DEBUG, a real
SECRET_KEY, the site's public address, hosts, a shared Redis for several workers, a real
mail server. ``check_production`` registers them next to Django's deployment checks and
fails on any error *or warning*, so that a server never starts half configured (``make
serve``, deploy/systemd/agir-web.service). They are not registered otherwise: a plain
``check --deploy`` (a developer's machine, CI) stays Django's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning
from django.http.request import validate_host

# Keys that are in the repository (settings.py's DEBUG key, the test settings' key): a
# server running with one of them signs its sessions with a key anyone can read.
PUBLIC_KEY_MARKERS = ("dev-only-insecure", "test-secret-key", "not-for-production", "changeme")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0", ""}  # noqa: S104 - names


def check_production_settings(app_configs=None, **kwargs):
    problems = []
    if settings.DEBUG:
        problems.append(
            Error("DEBUG is on.", hint="Unset DEBUG (or DEBUG=0) in production.", id="agir.E001")
        )
    key = settings.SECRET_KEY or ""
    if any(marker in key for marker in PUBLIC_KEY_MARKERS) or len(key) < 50 or len(set(key)) < 5:
        problems.append(
            Error(
                "SECRET_KEY is a known, short or simple value.",
                hint="Set SECRET_KEY to 50+ random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="agir.E002",
            )
        )
    site = urlsplit(settings.SITE_URL or "")
    if site.scheme != "https" or (site.hostname or "") in LOOPBACK:
        problems.append(
            Error(
                f"SITE_URL is {settings.SITE_URL!r}: not the site's public https address.",
                hint="Set SITE_URL=https://your.domain (links in e-mails, allowed socket origins).",
                id="agir.E003",
            )
        )
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts or "*" in hosts:
        problems.append(
            Error(
                "ALLOWED_HOSTS is empty or '*'.", hint="List the site's host names.", id="agir.E004"
            )
        )
    elif site.hostname and not _host_allowed(site.hostname, hosts):
        problems.append(
            Error(
                f"SITE_URL's host {site.hostname!r} is not in ALLOWED_HOSTS.",
                id="agir.E005",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "The database is SQLite: one server process only, no concurrent writers.",
                hint="Set DATABASE_URL=postgres://… for a public deployment (docs/deployment.md).",
                id="agir.W001",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            Warning(
                "No REDIS_URL: the in-memory channel layer serves one process only.",
                hint="Set REDIS_URL (and REDIS_SENTINELS for Sentinel) to run several workers.",
                id="agir.W002",
            )
        )
    if "console" in settings.EMAIL_BACKEND or "locmem" in settings.EMAIL_BACKEND:
        problems.append(
            Warning(
                "E-mails are not sent (console backend).",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER/PASSWORD).",
                id="agir.W003",
            )
        )
    return problems


def _host_allowed(host: str, allowed: list[str]) -> bool:
    return validate_host(host, allowed)
