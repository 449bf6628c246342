"""A full journey through the real server prints no unexpected warning or error (issue 17).

A uvicorn process (tests.servers) on the PMA 2030 demo, its Python warnings all shown
(``PYTHONWARNINGS=default``): an anonymous visitor reads every page, feed, export, PDF and
API answer the site links to; a citizen signs in, writes a proposal, supports and comments
another, joins the live workshop and posts an idea; the editor reads the same pages and
the summaries' PDF. Then every WARNING / ERROR / CRITICAL line and every Python warning the
server printed must be in ``EXPECTED`` (with the reason it is expected), and the journey
must have read what it says it read. Before: each PDF wrote WeasyPrint's « Step 1…6 »
lines and its warnings about the charts' SVG ``fill`` (issue 17).
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from tests.html_links import site_links

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

# (pattern, reason): log lines the journey is expected to print.
EXPECTED: list[tuple[str, str]] = [
    (
        # « LEVEL logger [request id] message » (project/settings.py's LOGGING).
        r"^WARNING django\.request (\[\w+\] )?(Forbidden|Not Found|Method Not Allowed)",
        "Django logs every 403/404/405 at WARNING: links a visitor may follow to a page that "
        "is not theirs (the journey reads every link, sign-in-only ones included)",
    ),
]
# A log entry starts with a level (our LOGGING's « LEVEL logger [id] », uvicorn's « LEVEL: »)
# or is a Python warning (« file:line: SomethingWarning: »); other lines (a traceback under
# a logged exception, a warning's source line) belong to the entry above them.
ENTRY = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|^\S+:\d+: \w*Warning: ")
LEVEL = re.compile(r"^(WARNING|ERROR|CRITICAL)\b|^\S+:\d+: \w*Warning: |^Traceback")
# PDFs take seconds each: the journey reads one, the summary's, on purpose.
SKIPPED = re.compile(r"^/(admin/|accounts/logout|i18n/|static/|__)|\.pdf$")
MAX_PAGES = 100


def _unexpected(log: str) -> list[str]:
    entries: list[list[str]] = []
    for line in log.splitlines():
        if ENTRY.search(line) or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    return [
        "\n".join(entry[:4])
        for entry in entries
        if LEVEL.search(entry[0])
        and not any(re.search(pattern, entry[0]) for pattern, _ in EXPECTED)
    ]


def _crawl(session: requests.Session, base: str, start: list[str]) -> dict[str, int]:
    """Read every page linked from ``start`` (downloads included); {content type: count}."""
    queue, seen, kinds = list(dict.fromkeys(start)), set(start), {}
    read = 0
    while queue and read < MAX_PAGES:
        url = queue.pop(0)
        response = session.get(base + url, timeout=60)
        read += 1
        kind = response.headers.get("Content-Type", "").split(";")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind != "text/html":
            continue
        for link in site_links(response.text):
            path = urlsplit(link).path
            if link not in seen and not SKIPPED.match(path):
                seen.add(link)
                # Downloads first: within MAX_PAGES, a demo with more pages must not crowd
                # out the exports (their streaming is what logged under ASGI).
                if path.startswith("/donnees/"):
                    queue.insert(0, link)
                else:
                    queue.append(link)
    return kinds


def _post(session: requests.Session, base: str, path: str, data: dict) -> requests.Response:
    session.get(base + path, timeout=30)  # the form's page: the CSRF cookie
    token = session.cookies.get("csrftoken")
    return session.post(
        base + path, data={**data, "csrfmiddlewaretoken": token}, timeout=60, allow_redirects=True
    )


def _sign_in(session: requests.Session, base: str, username: str) -> None:
    response = _post(
        session,
        base,
        "/accounts/login/",
        {"login": f"{username}@demo.agir-ensemble.fr", "password": PASSWORD},
    )
    assert "Se déconnecter" in response.text, f"{username} could not sign in"


PASSWORD = "journey-password-123"


def test_a_full_journey_prints_no_unexpected_warning(asgi_server, tmp_path):
    from django.core.cache import cache

    from accounts.models import User
    from accounts.services import role_grant
    from proposals.models import Proposal
    from summaries.models import DecisionSummary
    from workshops.models import Workshop, WorkshopState

    cache.clear()
    call_command("seed_demo", stdout=io.StringIO())
    for user in User.objects.filter(username__in=["lucie.citoyenne", "claire.codev"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    editor = User.objects.get(username="claire.codev")
    role_grant(user=editor, role="facilitators")
    role_grant(user=editor, role="moderators")
    live = Workshop.objects.filter(state=WorkshopState.LIVE).first()
    other = Proposal.objects.exclude(author__username="lucie.citoyenne").order_by("pk").first()
    summary = DecisionSummary.objects.first()
    start = ["/", "/propositions/", "/ateliers/", "/votes/", "/recommandations/", "/actions/"]
    start += ["/indicateurs/", "/tableau-de-bord/", "/syntheses/", "/donnees/", "/api/v1/docs"]
    start += ["/api/v1/openapi.json", summary.get_absolute_url(), live.get_absolute_url()]

    server = asgi_server(extra_env={"PYTHONWARNINGS": "default"})
    base = server.url

    visitor = requests.Session()
    kinds = _crawl(visitor, base, start)

    citizen = requests.Session()
    _sign_in(citizen, base, "lucie.citoyenne")
    created = _post(
        citizen,
        base,
        "/propositions/nouvelle/",
        {
            "axis": str(live.axes.first().pk),
            "title": "Une navette entre les zones d'activité",
            "body": "Relier les gares aux zones d'activité aux heures de prise de poste.",
        },
    )
    assert created.status_code == 200
    assert _post(citizen, base, f"/propositions/{other.pk}/soutien/", {}).status_code == 200
    commented = _post(
        citizen, base, f"/propositions/{other.pk}/commentaires/", {"body": "Bonne idée."}
    )
    assert commented.status_code == 200
    joined = _post(citizen, base, "/rejoindre/", {"code": live.join_code, "attendance": "on_site"})
    assert joined.status_code == 200 and live.slug in joined.url, joined.url
    idea = _post(
        citizen,
        base,
        f"/ateliers/{live.slug}/idees/",
        {"title": "Des horaires de bus calés sur les équipes"},
    )
    assert idea.status_code == 200
    kinds_citizen = _crawl(citizen, base, ["/compte/", "/notifications/", *start[:4]])

    staff = requests.Session()
    _sign_in(staff, base, "claire.codev")
    kinds_staff = _crawl(
        staff,
        base,
        [f"/ateliers/{live.slug}/animer/", "/propositions/moderation/", summary.get_absolute_url()],
    )
    pdf = staff.get(f"{base}{reverse('summaries:pdf', args=[summary.slug])}", timeout=120)

    server.stop()
    log = server.log()
    unexpected = _unexpected(log)
    assert not unexpected, "unexpected lines in the server's log:\n\n" + "\n\n".join(unexpected)
    # The journey did read what it says: pages, downloads, the API and a PDF.
    assert kinds.get("text/html", 0) >= 60, kinds
    assert kinds.get("text/csv", 0) + kinds.get("application/json", 0) >= 2, kinds
    assert kinds_citizen.get("text/html", 0) >= 4 and kinds_staff.get("text/html", 0) >= 3
    assert pdf.headers["Content-Type"] == "application/pdf", pdf.status_code
