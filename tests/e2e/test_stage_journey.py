"""A live workshop as the room lives it, in Debian's Chromium: a facilitator on the presenter
console, one stage, twelve phones (360×740). The « Brainstorm → regroupement → vote » template
runs through « Étape suivante » only: the phones post ideas, the facilitator groups them with
« Déplacer vers… », the majority-judgment vote opens on every phone, each phone votes through
its ballot (one option per card, then the review), and the results show on the stage and the
phones. At each step the three figures (« connecté·es maintenant », « inscrit·es à
l'atelier », « n / N ont voté ») read the same on the stage, the console and every phone.
Then the stage's presenter keys ← / → move the run sheet: the console and the phones follow.
Screenshots of the stage: test-artifacts/screenshots/stage/journey-*.png."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import SCREENSHOTS, Site, sign_in
from tests.e2e.test_journey_workshop import join_as_guest

pytestmark = pytest.mark.e2e

PHONES = 12
SMALL_PHONE = {"width": 360, "height": 740}
STAGE = {"width": 1280, "height": 720}
IDEAS = [
    "Des navettes le dimanche vers les villages",
    "Un abonnement unique bus et vélo",
    "Former des jeunes aux métiers de la batterie",
    "Un campus des métiers sur la friche de Beaulieu",
]
GRADES = ["Excellent", "Très bien", "Bien", "Assez bien", "Passable", "Insuffisant", "À rejeter"]

# What a screen shows of the three figures: the data-figure nodes (stage, console, room) and
# the first « n / N ont voté » of its turnout (the stage's bar, the console's line, the phone's
# ballot panel or its « Merci, votre vote est enregistré — n / N ont voté »).
READ_FIGURES = r"""() => {
  const text = (name) => {
    const node = document.querySelector(`[data-figure="${name}"]`);
    return node ? node.textContent.trim() : null;
  };
  let turnout = null;
  for (const node of document.querySelectorAll("[data-turnout], .vote-thanks")) {
    const match = node.textContent.replace(/\s+/g, " ").match(/(\d+) \/ (\d+) ont voté/);
    if (match) { turnout = `${match[1]} / ${match[2]}`; break; }
  }
  return { connected: text("connected"), registered: text("registered"), turnout };
}"""


@pytest.fixture
def site(asgi_server, monkeypatch, tmp_path) -> Site:
    """The live server behind one trusted proxy: each phone comes from an address of its own
    (X-Forwarded-For), as on mobile data. (Twelve guests from one address within a minute
    would meet the per-address limit on new guests, RATE_LIMITS["guest_create"].)"""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = asgi_server(
        extra_env={
            "DJANGO_ALLOW_ASYNC_UNSAFE": "",
            "TEST_EMAIL_FILE_PATH": str(mail_dir),
            "ALLAUTH_TRUSTED_PROXY_COUNT": "1",
        }
    )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    return Site(server, mail_dir)


@pytest.fixture
def workshop(axis, facilitator):
    from tests.workshops.factories import WorkshopFactory
    from workshops.models import WorkshopState

    workshop = WorkshopFactory(
        title="Mobilités du quotidien",
        slug="mobilites-du-quotidien",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    return workshop


def shoot_stage(stage: Page, name: str) -> None:
    folder = SCREENSHOTS / "stage"
    folder.mkdir(parents=True, exist_ok=True)
    stage.screenshot(path=str(folder / f"journey-{name}.png"))


def test_twelve_phones_a_stage_and_a_console_run_a_template_and_agree(
    site, browser, new_context, workshop, facilitator
):
    from votes.models import SessionState, VoteSession
    from workshops import figures

    started = time.monotonic()
    room = f"/ateliers/{workshop.slug}/"
    context = new_context("desktop", extra_http_headers={"X-Forwarded-For": "10.0.1.1"})
    presenter = context.new_page()
    presenter.on("dialog", lambda dialog: dialog.accept())
    sign_in(presenter, site, facilitator, next_path=f"{room}animer/")
    presenter.goto(site(f"{room}animer/"))
    status = presenter.locator("[data-console-status]")
    presenter.get_by_role("button", name="Appliquer ce modèle").click()
    expect(status).to_have_text("Déroulé « Brainstorm → regroupement → vote » appliqué : 6 étapes.")
    presenter.get_by_role("button", name="Ouvrir l'atelier (en direct)").click()
    expect(status).to_contain_text("Atelier ouvert en direct")
    expect(presenter.locator("#presenter")).to_have_attribute("data-connection", "live")
    code = presenter.locator(".join-code").first.inner_text().strip()

    stage = context.new_page()
    stage.set_viewport_size(STAGE)
    stage.goto(site(f"{room}ecran/"))
    expect(stage.locator("#room")).to_have_attribute("data-connection", "live")

    # Twelve phones: one browser, a profile (cookies) each, joining with the code as guests.
    phones: list[Page] = []
    for n in range(PHONES):
        phone = new_context(
            "phone", extra_http_headers={"X-Forwarded-For": f"10.0.2.{n + 1}"}
        ).new_page()
        phone.set_viewport_size(SMALL_PHONE)
        join_as_guest(phone, site, code, f"Personne {n + 1}")
        expect(phone).to_have_url(re.compile(re.escape(room)))
        expect(phone.locator("#room")).to_have_attribute("data-connection", "live")
        phones.append(phone)
    screens = {"stage": stage, "console": presenter} | {
        f"phone {n + 1}": phone for n, phone in enumerate(phones)
    }

    def figures_agree(step: str, turnout: str | None) -> None:
        """Every screen reads 12 connected, 12 registered (and the turnout): the same figure."""
        expected = {"connected": str(PHONES), "registered": str(PHONES), "turnout": turnout}
        deadline = time.monotonic() + 15
        while True:
            read = {name: page.evaluate(READ_FIGURES) for name, page in screens.items()}
            wrong = {name: seen for name, seen in read.items() if seen != expected}
            if not wrong:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{step}: expected {expected} everywhere; differs: {wrong}")
            time.sleep(0.2)

    figures_agree("welcome", None)
    expect(stage.locator("#room")).to_have_attribute("data-mode", "join")
    shoot_stage(stage, "01-welcome")

    def next_step(title: str) -> None:
        button = presenter.get_by_role("button", name=re.compile("Étape suivante"))
        expect(button).to_contain_text(title)
        button.click()
        expect(presenter.locator("[data-current-step]")).to_have_text(title)
        for page in (stage, *phones):
            expect(page.locator("[data-current-phase]").first).to_have_text(title)

    # Brainstorm: four phones post an idea; the wall shows them on the stage.
    next_step("Brainstorm")
    expect(stage.locator("#room")).to_have_attribute("data-mode", "wall")
    for phone, idea in zip(phones, IDEAS, strict=False):
        phone.get_by_label("Votre idée, en une phrase").fill(idea)
        phone.get_by_role("button", name="Poster l'idée").click()
    for idea in IDEAS:
        expect(stage.locator("[data-ideas]")).to_contain_text(idea)
    expect(presenter.locator(".presenter__activity")).to_contain_text(f"{len(IDEAS)} idées au mur")
    figures_agree("brainstorm", None)
    stage.wait_for_timeout(700)  # the newest ideas' entrance
    shoot_stage(stage, "02-brainstorm")

    # Grouping: two groups made on the console, ideas moved with « Déplacer vers… » (keyboard).
    next_step("Regroupement des idées")
    panel = presenter.locator("#regroupement")
    expect(panel.get_by_role("heading", name="Regroupement des idées")).to_be_visible()
    for name in ("Transports", "Emploi et formation"):
        panel.get_by_label("Nouveau groupe").fill(name)
        panel.get_by_role("button", name="Créer le groupe").click()
        expect(panel.get_by_role("heading", name=re.compile(f"^{name}"))).to_be_visible()
    from proposals.models import Proposal

    ideas = {p.title: p.pk for p in Proposal.objects.filter(origin_workshop=workshop)}
    for title, group in zip(IDEAS, ["Transports", "Transports", "Emploi", "Emploi"], strict=True):
        expect(panel).not_to_have_attribute("data-refreshing", "1")
        button = presenter.locator(f"#move-menu-{ideas[title]}")
        button.focus()
        presenter.keyboard.press("Enter")
        presenter.get_by_role("menu").get_by_role("menuitem", name=re.compile(f"^{group}")).press(
            "Enter"
        )
        expect(presenter.locator("[data-grouping-live]")).to_contain_text(
            f"« {title} » est maintenant dans"
        )
    # The stage shows the ideas by group, live.
    expect(stage.locator(".stage-group")).to_have_count(2)
    expect(stage.locator(".stage-group").first).to_contain_text("Transports")
    expect(stage.locator(".stage-group").first).to_contain_text(IDEAS[0])
    figures_agree("grouping", None)
    shoot_stage(stage, "03-grouping")

    # The majority-judgment vote opens with the step, on every phone.
    next_step("Vote au jugement majoritaire")
    expect(status).to_contain_text(f"Vote ouvert : {PHONES} participant·es peuvent voter.")
    expect(stage.locator("#room")).to_have_attribute("data-mode", "vote")
    figures_agree("vote open", f"0 / {PHONES}")
    shoot_stage(stage, "04-vote-open")

    # Every phone votes through its ballot: one option per card, the review, « Voter ».
    for n, phone in enumerate(phones):
        expect(phone.locator(".ballot__progress")).to_have_text(f"Option 1 / {len(IDEAS)}")
        for i in range(len(IDEAS)):
            expect(phone.locator(".ballot__progress")).to_have_text(
                f"Option {i + 1} / {len(IDEAS)}"
            )
            card = phone.locator("fieldset.ballot__grades:visible")
            card.get_by_text(GRADES[(n + i) % 5], exact=True).click()
        phone.get_by_role("button", name="Vérifier mon vote").click()
        expect(phone.locator(".ballot__review")).to_contain_text(IDEAS[0])
        phone.get_by_role("button", name="Voter").click()
        expect(phone.locator(".vote-thanks")).to_contain_text("Merci, votre vote est enregistré")
        if n == PHONES // 2 - 1:
            figures_agree("half voted", f"{PHONES // 2} / {PHONES}")
    figures_agree("all voted", f"{PHONES} / {PHONES}")
    shoot_stage(stage, "05-all-voted")
    session = VoteSession.objects.get(workshop=workshop)
    assert figures.voters_count(session) == PHONES

    # Results: the vote closes; the stage and the phones show them.
    next_step("Résultats")
    session.refresh_from_db()
    assert session.state == SessionState.CLOSED and session.revealed_at is not None
    expect(stage.locator("[data-stage-vote]")).to_have_attribute("data-stage-vote", "results")
    expect(stage.locator(".result-row__grade").first).to_contain_text("mention majoritaire")
    for phone in phones:
        expect(phone.get_by_text(f"{PHONES} bulletins").first).to_be_attached()
    figures_agree("results", f"{PHONES} / {PHONES}")
    shoot_stage(stage, "06-results")

    # The stage's presenter keys: ← and → move the same run sheet (step.previous / step.next).
    stage.keyboard.press("ArrowLeft")
    expect(presenter.locator("[data-current-step]")).to_have_text("Vote au jugement majoritaire")
    for phone in phones[:3]:
        expect(phone.locator("[data-current-phase]").first).to_have_text(
            "Vote au jugement majoritaire"
        )
    stage.keyboard.press("ArrowRight")
    expect(presenter.locator("[data-current-step]")).to_have_text("Résultats")
    for page in (stage, *phones[:3]):
        expect(page.locator("[data-current-phase]").first).to_have_text("Résultats")
    figures_agree("back and forth", f"{PHONES} / {PHONES}")
    print(f"journey with {PHONES} phones: {time.monotonic() - started:.1f} s")
