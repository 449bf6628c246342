"""The stage (/ateliers/<slug>/ecran/) in Debian's Chromium, in every state, at 1280×720,
1920×1080 and 3840×2160: it never scrolls, its text is at least 3 % of the viewport's height
(titles 6 %), nothing spills out of the vote screen, and axe-core finds no violation with the
AAA contrast rule (color-contrast-enhanced). Screenshots: test-artifacts/screenshots/stage/.

States are set up on the server (services, in a thread of their own: Playwright's loop runs in
this one) and the stage reloaded, which checks the first screen the server picks; the presenter
keys (→, T, B) and the grouped wall's event are driven live."""

from __future__ import annotations

import json
import threading

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import AXE_SOURCE, SCREENSHOTS, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1920, 1080), (3840, 2160)]
SHOTS = SCREENSHOTS / "stage"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

MEASURE = """() => {
  const h = innerHeight, w = innerWidth, small = [], smallTitles = [], outside = [];
  const root = document.getElementById("room");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (el.closest(".visually-hidden, [hidden], title, desc")) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    // Clipped away inside a container that shows as much as fits (the wall): not shown.
    let clip = null;
    for (let a = el; a && a !== root; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflow !== "visible") {
        const r = a.getBoundingClientRect();
        clip = clip ? { top: Math.max(clip.top, r.top), bottom: Math.min(clip.bottom, r.bottom) } : { top: r.top, bottom: r.bottom };
      }
    }
    const shown = rects.filter((r) => !clip || (r.bottom > clip.top + 1 && r.top < clip.bottom - 1));
    if (!shown.length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const text = node.textContent.trim().slice(0, 40);
    if (size < 0.03 * h - 0.05) small.push(`${text} (${size.toFixed(1)}px)`);
    if (el.closest(".stage__title, .room__spotlight-title, .stage-timer__clock") && size < 0.06 * h - 0.05)
      smallTitles.push(`${text} (${size.toFixed(1)}px)`);
    for (const r of shown) if (r.bottom > h + 1 || r.right > w + 1 || r.left < -1 || r.top < -1) outside.push(text);
  }
  const spill = [...document.querySelectorAll(".stage-vote, .stage-options, .result-rows, .result-cloud, .result-legend")]
    .filter((el) => el.checkVisibility() && el.scrollHeight > el.clientHeight + 1)
    .map((el) => `${el.className}: ${el.scrollHeight} > ${el.clientHeight}`);
  return {
    scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth,
    innerHeight: h, innerWidth: w, small, smallTitles, outside: [...new Set(outside)], spill,
    mode: root.dataset.mode,
  };
}"""


def axe_aaa(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                rules: {"color-contrast-enhanced": {enabled: true}},
                resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({id: v.id, help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target, summary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )


def check_stage(page: Page, name: str, mode: str, theme: str = "dark") -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        expect(page.locator("#room")).to_have_attribute("data-mode", mode)
        page.wait_for_timeout(700)  # the newest ideas' entrance
        m = page.evaluate(MEASURE)
        label = f"{name} at {width}×{height}"
        assert m["scrollHeight"] <= m["innerHeight"], f"{label} scrolls: {m}"
        assert m["scrollWidth"] <= m["innerWidth"], f"{label} scrolls sideways: {m}"
        assert not m["small"], f"{label}: text under 3vh: {m['small']}"
        assert not m["smallTitles"], f"{label}: titles under 6vh: {m['smallTitles']}"
        assert not m["outside"], f"{label}: text outside the screen: {m['outside']}"
        assert not m["spill"], f"{label}: the vote screen overflows: {m['spill']}"
        violations = axe_aaa(page)
        assert not violations, f"axe (AAA contrast) on {label}:\n" + json.dumps(
            violations, indent=2, ensure_ascii=False
        )
        page.screenshot(path=str(SHOTS / f"{name}-{theme}-{width}x{height}.png"))


def on_server(fn):
    """Run ``fn`` (services that broadcast through async_to_sync) outside Playwright's loop."""
    from django.db import connection

    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as error:  # re-raised in the test's thread
            box["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.fixture
def live_workshop(axis, facilitator):
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from workshops.models import WorkshopState
    from workshops.services import workshop_state_change

    workshop = WorkshopFactory(
        title="PMA 2030 : friches industrielles et mobilité",
        slug="pma-2030-scene",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    colleges = ["citizens"] * 6 + ["enterprises"] * 3 + ["elected"] * 2 + ["experts"]
    workshop.members = [
        ParticipantFactory(workshop=workshop, user=UserFactory(college=c), college=c).user
        for c in colleges
    ]
    return workshop


WORDS = (
    ["industrie"] * 3
    + ["savoir-faire"] * 2
    + ["nature", "jeunesse", "Peugeot", "innovation", "industrie"]
)

IDEAS = [
    "Une station hydrogène partagée à Sochaux pour les bus et les utilitaires",
    "Transformer la friche Peugeot de Beaulieu en campus des métiers de l'industrie",
    "Navette autonome entre la gare TGV et le technopôle",
    "Un guichet unique pour les entreprises qui s'installent",
    "Ateliers de réparation de vélos dans chaque quartier",
    "Former 500 jeunes par an aux métiers de la batterie",
    "Un festival de la culture industrielle au Musée de l'Aventure Peugeot",
    "Tiers-lieu numérique à Audincourt",
    "Covoiturage domicile-travail avec les grands employeurs",
    "Végétaliser les zones d'activité",
    "Une marque territoriale « Montbéliard, terre d'ingénieurs »",
]


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_stage_in_every_state(site, new_context, live_workshop, facilitator, axis, theme):
    from votes.models import SessionState
    from votes.services import (
        ballot_cast,
        session_close,
        session_create,
        session_open,
        session_reveal,
    )
    from workshops import services

    workshop = live_workshop
    members = workshop.members
    ideas = [
        services.idea_post(workshop=workshop, user=members[i % len(members)], axis=axis, title=t)
        for i, t in enumerate(IDEAS)
    ]
    page = new_context("desktop").new_page()
    sign_in(page, site, facilitator)
    url = site(f"/ateliers/{workshop.slug}/ecran/")
    page.goto(url)
    expect(page.locator("#room")).to_have_attribute("data-connection", "live")
    if theme == "light":
        page.get_by_role("button", name="Thème clair").click()
        expect(page.locator("#room")).to_have_attribute("data-theme", "light")

    # Before anything: the join screen, code and QR code large; figures labelled.
    expect(page.locator(".stage-join__code")).to_have_text(workshop.join_code)
    expect(page.locator(".stage-join__figures")).to_contain_text("12 inscrit·es à l'atelier")
    expect(page.locator(".stage-join__figures")).to_contain_text("connecté·es maintenant")
    check_stage(page, "01-join", "join", theme)

    # → (the facilitator's next step on the run sheet, as the console's « Étape suivante »):
    # the brainstorm, the wall, live.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#room")).to_have_attribute("data-mode", "wall")
    from accounts.models import AuditEvent
    from workshops.models import PhaseKind, Workshop

    assert Workshop.objects.get(pk=workshop.pk).current_phase.kind == PhaseKind.IDEATION
    assert AuditEvent.objects.filter(action="workshop.step_started").count() == 1
    expect(
        page.locator(".stage__corner .stage__corner-code")
    ).to_be_visible()  # the code shrinks to a corner
    check_stage(page, "02-wall", "wall", theme)

    # Grouped wall: the grouping step's event (the same frame room.js re-dispatches).
    groups = {
        "groups": [
            {
                "id": 1,
                "name": "Mobilités",
                "position": 0,
                "idea_ids": [ideas[0].pk, ideas[2].pk, ideas[8].pk],
            },
            {"id": 2, "name": "Compétences", "position": 1, "idea_ids": [ideas[1].pk, ideas[5].pk]},
            {
                "id": 3,
                "name": "Attractivité",
                "position": 2,
                "idea_ids": [ideas[6].pk, ideas[10].pk],
            },
        ]
    }
    page.evaluate(
        """(data) => document.dispatchEvent(new CustomEvent("room:event",
            {detail: {type: "idea_groups.changed", data}}))""",
        groups,
    )
    expect(page.locator(".stage-group")).to_have_count(4)  # three groups and « Sans groupe »
    expect(page.locator(".stage-group").first).to_contain_text("Mobilités")
    check_stage(page, "03-grouped-wall", "wall", theme)
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent("room:event",
            {detail: {type: "idea_groups.changed", data: {groups: []}}}))"""
    )

    # A spotlighted idea, large.
    on_server(
        lambda: services.idea_spotlight(
            workshop=workshop, actor=facilitator, proposal_id=ideas[1].pk
        )
    )
    page.goto(url)
    expect(page.locator(".stage-spotlight .room__spotlight-title")).to_have_text(ideas[1].title)
    check_stage(page, "04-spotlight", "spotlight", theme)
    on_server(
        lambda: services.idea_spotlight(workshop=workshop, actor=facilitator, proposal_id=None)
    )

    # Each method: the open vote (question, options, turnout), then its results.
    labels = [
        "Friche de Beaulieu",
        "Hydrogène à Sochaux",
        "Campus des métiers",
        "Navette autonome",
        "Guichet unique",
    ]
    for method in ["majority_judgment", "poll", "support", "dots", "open_question"]:

        def open_vote(method=method):
            session = session_create(
                actor=facilitator,
                title=f"Vote {method}",
                method=method,
                question="Quelle priorité pour 2030 ?"
                if method != "open_question"
                else "En un mot : l'atout du territoire ?",
                workshop=workshop,
                labels=labels if method != "open_question" else (),
                reveal="at_close",
            )
            return session_open(session=session, actor=facilitator)

        session = on_server(open_vote)
        options = list(session.options.order_by("order", "id").values_list("id", flat=True))

        def vote(n, session=session, method=method, options=options):
            for i, voter in enumerate(members[:n]):
                if method == "majority_judgment":
                    choices = {o: (6 - (i + k) % 7) for k, o in enumerate(options)}
                elif method == "poll":
                    choices = {options[i % 3]: 1}
                elif method == "support":
                    choices = {options[0]: 1, options[1 + i % 3]: 1}
                elif method == "dots":
                    choices = {options[i % 3]: 3, options[3]: 2}
                else:
                    choices = None
                ballot_cast(
                    session=session,
                    voter=voter,
                    choices=choices,
                    answer=WORDS[i % len(WORDS)] if method == "open_question" else "",
                )

        on_server(lambda: vote(7))
        page.goto(url)
        expect(page.locator("[data-stage-vote]")).to_have_attribute("data-stage-vote", "open")
        expect(page.locator(".stage-vote .vote-turnout__text")).to_contain_text("7 / 12 ont voté")
        check_stage(page, f"05-vote-open-{method}", "vote", theme)

        on_server(lambda: vote(10))

        def finish(session=session):
            session_close(session=session, actor=facilitator)
            return session_reveal(session=session, actor=facilitator)

        finished = on_server(finish)
        assert finished.state in (SessionState.CLOSED, SessionState.PUBLISHED)
        page.goto(url)
        expect(page.locator("[data-stage-vote]")).to_have_attribute("data-stage-vote", "results")
        expect(page.locator(".stage-vote .vote-turnout__text")).to_contain_text("10 / 12 ont voté")
        if method == "majority_judgment":
            expect(page.locator(".result-row__grade").first).to_contain_text("mention majoritaire")
        check_stage(page, f"06-results-{method}", "vote", theme)

    # The timer, large, with the phase title; T starts it (the facilitator's key).
    debate = workshop.phases.get(kind=PhaseKind.DEBATE)
    on_server(lambda: services.phase_start(workshop=workshop, actor=facilitator, phase=debate))
    page.goto(url)
    expect(page.locator(".stage-timer__title")).to_have_text(debate.title)
    expect(page.locator("#room")).to_have_attribute("data-connection", "live")  # T travels on it
    page.keyboard.press("t")
    expect(page.locator("[data-timer]")).to_have_attribute("data-running", "1")
    check_stage(page, "07-timer", "timer", theme)

    # B: blank; B again: back. « ? » lists the keys.
    page.keyboard.press("b")
    check_stage(page, "08-blank", "blank", theme)
    page.keyboard.press("b")
    expect(page.locator("#room")).to_have_attribute("data-mode", "timer")
    page.keyboard.press("?")
    expect(page.locator("#stage-keys")).to_be_visible()
    expect(page.locator("#stage-keys")).to_contain_text("écran noir")
    check_stage(page, "09-keys", "timer", theme)
