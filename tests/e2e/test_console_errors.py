"""No console error and no Content-Security-Policy violation on any page (issue 17).

Every page type of the seeded demo (the pages of test_pages_seeded.py, and the workshop's
room, stage and console where scripts do the most), as an anonymous visitor, a citizen
and the Codev's editor (also facilitator and moderator), at phone and desktop size, in
Chromium: the test fails on any console message of type error, any uncaught page error
and any CSP violation (``securitypolicyviolation`` events, recorded by a script that the
DevTools protocol adds, outside the page's CSP). The text the scripts leave on the page
is also checked for counts in the wrong number (tests/project/plurals.py), which the
server-side sweep cannot see. Failures are gathered so that one run lists them all.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext

from tests.e2e.helpers import sign_in
from tests.e2e.test_pages_seeded import demo  # noqa: F401  (fixture)
from tests.project.plurals import disagreements

pytestmark = pytest.mark.e2e

RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || "?"}:${e.lineNumber} (${(e.sample || "").slice(0, 80)})`);
});
"""


def _watch(context: BrowserContext):
    page = context.new_page()
    messages: list[str] = []
    page.on(
        "console",
        lambda m: messages.append(f"console.{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: messages.append(f"page error: {e}"))
    return page, messages


def sweep(context: BrowserContext, site, pages: dict[str, str], label: str) -> list[str]:
    context.add_init_script(RECORD_CSP)
    page, messages = _watch(context)
    problems: list[str] = []
    for name, path in pages.items():
        messages.clear()
        response = page.goto(site(path), wait_until="load")
        if response is None or response.status != 200:
            problems.append(f"{label} {name} {path}: HTTP {response.status if response else '?'}")
            continue
        page.wait_for_timeout(400)  # the scripts' first round (sockets, polls, htmx)
        violations = page.evaluate("() => window.__cspViolations || []")
        wrong = disagreements(page.locator("body").inner_text())
        for problem in [*messages, *(f"CSP: {v}" for v in violations), *wrong]:
            problems.append(f"{label} {name} {path}: {problem}")
    page.close()
    return problems


@pytest.fixture
def rooms(demo):  # noqa: F811
    from workshops.models import Workshop, WorkshopState

    workshop = Workshop.objects.filter(state=WorkshopState.LIVE).first()
    room = f"/ateliers/{workshop.slug}/"
    return {"room-stage": f"{room}ecran/", "room-console": f"{room}animer/"}


def test_no_console_error_nor_csp_violation_on_any_page(site, demo, rooms, new_context):  # noqa: F811
    from accounts.models import User
    from accounts.services import role_grant
    from summaries.models import DecisionSummary
    from tests.factories import UserFactory
    from workshops.models import Workshop

    editor = User.objects.get(username="claire.codev")
    for role in ("facilitators", "moderators"):
        role_grant(user=editor, role=role)
    for workshop in Workshop.objects.all():
        workshop.facilitators.add(editor)
    citizen = UserFactory(display_name="Lucie", college="citizens")
    editor_pages = {
        **demo,
        **rooms,
        "recommendation-create": "/recommandations/nouvelle/",
        "indicator-create": "/indicateurs/nouveau/",
        "summary-edit": DecisionSummary.objects.first().get_absolute_url() + "modifier/",
        "vote-create": "/votes/nouveau/",
        "notifications": "/notifications/",
        "moderation": "/propositions/moderation/",
        "account": "/compte/",
    }
    people = [
        ("anonymous", None, demo),
        ("citizen", citizen, {**demo, "account": "/compte/", "notifications": "/notifications/"}),
        ("editor", editor, editor_pages),
    ]
    problems: list[str] = []
    for who, user, pages in people:
        for size in ("phone", "desktop"):
            context = new_context(size)
            if user is not None:
                page = context.new_page()
                sign_in(page, site, user, password=_password(user))
                page.close()
            problems += sweep(context, site, pages, f"[{who}, {size}]")
            context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _password(user) -> str:
    """The demo's people sign in with the demo password; the factory's with its own."""
    from tests.e2e.helpers import PASSWORD

    if user.username == "claire.codev":
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return PASSWORD
