"""Grouping the wall in a real browser: the facilitator groups ideas with the keyboard
(« Déplacer vers… ») and by drag and drop; a phone in the room receives each change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    SCREENSHOTS,
    assert_no_axe_violations,
    eventually,
    no_horizontal_scroll,
    sign_in,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS / "grouping"
TITLES = [
    "Des pistes cyclables entre Audincourt et Montbéliard",
    "Un bus de nuit le vendredi",
    "Des ateliers de réparation de vélos dans les quartiers",
    "Former les jeunes aux métiers de l'hydrogène",
    "Un guichet unique pour les entreprises qui recrutent",
]


@pytest.fixture
def clustering(axis, facilitator):
    """A live workshop in its clustering phase, five ideas on the wall, one group made."""
    from proposals.services import proposal_create
    from tests.workshops.factories import ParticipantFactory, WorkshopFactory
    from workshops import grouping, services
    from workshops.models import Phase, PhaseKind, WorkshopState

    workshop = WorkshopFactory(
        title="Se déplacer et travailler dans le Pays de Montbéliard",
        slug="deplacer-travailler",
        state=WorkshopState.SCHEDULED,
        facilitators=[facilitator],
    )
    workshop.axes.add(axis)
    workshop = services.workshop_state_change(
        workshop=workshop, actor=facilitator, to=WorkshopState.LIVE
    )
    services.phase_start(
        workshop=workshop,
        actor=facilitator,
        phase=Phase.objects.get(workshop=workshop, kind=PhaseKind.CLUSTERING),
    )
    ideas = []
    for i, title in enumerate(TITLES):
        author = UserFactory(
            display_name=f"Personne {i}", college=["citizens", "enterprises"][i % 2]
        )
        ParticipantFactory(workshop=workshop, user=author)
        ideas.append(
            proposal_create(
                author=author, axis=axis, title=title, body="", origin_workshop=workshop
            )
        )
    mobility = grouping.idea_group_create(workshop=workshop, actor=facilitator, name="Mobilités")
    phone_user = UserFactory(display_name="Inès", college="citizens")
    ParticipantFactory(workshop=workshop, user=phone_user)
    return {"workshop": workshop, "ideas": ideas, "mobility": mobility, "phone": phone_user}


def group_of(idea_id):
    from workshops.models import IdeaGroupMember

    member = IdeaGroupMember.objects.filter(proposal_id=idea_id).select_related("group").first()
    return member.group.name if member else None


def idea_in(page: Page, group_id, idea_id):
    return page.locator(f'[data-drop-group="{group_id}"] [data-idea="{idea_id}"]')


def wait_live(page: Page) -> None:
    """The room page's socket (#room) or the presenter console's (#presenter) is up."""
    expect(page.locator("#room, #presenter").first).to_have_attribute("data-connection", "live")


def settled(page: Page) -> None:
    """The panel's fresh copy from the server is in (no refresh on its way)."""
    expect(page.locator("#regroupement")).not_to_have_attribute("data-refreshing", "1")


def shoot_panel(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#regroupement").screenshot(path=str(SHOTS / f"{name}.png"))


def test_grouping_by_keyboard_and_by_drag_and_drop(site, new_context, clustering, facilitator):
    workshop, ideas = clustering["workshop"], clustering["ideas"]
    room = f"/ateliers/{workshop.slug}/"

    # A phone in the room records the events it receives.
    phone = new_context("phone").new_page()
    sign_in(phone, site, clustering["phone"], next_path=room)
    phone.goto(site(room))
    wait_live(phone)
    phone.evaluate(
        """() => { window.groupFrames = [];
        document.addEventListener('room:event', (e) => {
          if (e.detail.type === 'idea_groups.changed') window.groupFrames.push(e.detail.data);
        }); }"""
    )

    page = new_context("desktop").new_page()
    console = f"/ateliers/{workshop.slug}/animer/"
    sign_in(page, site, facilitator, next_path=console)
    page.goto(site(console))
    wait_live(page)
    panel = page.locator("#regroupement")
    expect(panel.get_by_role("heading", name="Regroupement des idées")).to_be_visible()

    # A new group, from the panel's form.
    panel.get_by_label("Nouveau groupe").fill("Emploi et formation")
    panel.get_by_role("button", name="Créer le groupe").click()
    expect(panel.get_by_role("heading", name=re.compile("^Emploi et formation"))).to_be_visible()
    from workshops.models import IdeaGroup

    jobs = IdeaGroup.objects.get(name="Emploi et formation")
    mobility = clustering["mobility"]

    # --- keyboard: « Déplacer vers… » on the idea, arrows, Enter ----------------------------
    target = ideas[3]
    button = page.locator(f"#move-menu-{target.pk}")
    expect(button).to_have_accessible_name(f"Déplacer vers… {target.title}")
    button.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    items = menu.get_by_role("menuitem")
    expect(items).to_have_text(["Mobilités", "Emploi et formation"])
    expect(items.first).to_be_focused()
    shoot_panel(page, "menu-open-1280x800")
    assert_no_axe_violations(page, "grouping panel, menu open")
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_count(0)
    expect(idea_in(page, jobs.pk, target.pk)).to_be_visible()
    eventually(lambda: group_of(target.pk) == "Emploi et formation", message="not moved")
    # Announced, and the focus stays on the same idea's button, now in its group.
    expect(page.locator("[data-grouping-live]")).to_have_text(
        f"« {target.title} » est maintenant dans « Emploi et formation »."
    )
    settled(page)
    expect(page.locator(f"#move-menu-{target.pk}")).to_be_focused()

    # Escape closes the menu and gives the focus back; nothing moves.
    page.keyboard.press("ArrowDown")  # opens the menu too
    expect(page.get_by_role("menu")).to_be_visible()
    expect(page.get_by_role("menu").get_by_role("menuitem")).to_have_text(
        ["Sans groupe", "Mobilités"]
    )
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(page.locator(f"#move-menu-{target.pk}")).to_be_focused()
    expect(page.locator(f"#move-menu-{target.pk}")).to_have_attribute("aria-expanded", "false")
    assert page.locator(f"#move-menu-{target.pk}").get_attribute("aria-controls") is None
    assert group_of(target.pk) == "Emploi et formation"

    # A second idea by keyboard, to Mobilités (Home), so both groups have ideas.
    page.locator(f"#move-menu-{ideas[1].pk}").focus()
    page.keyboard.press("Space")
    page.keyboard.press("End")
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    eventually(lambda: group_of(ideas[1].pk) == "Mobilités", message="second move")
    expect(page.locator("[data-grouping-live]")).to_have_text(re.compile("« Mobilités »"))
    settled(page)

    # --- drag and drop with the mouse (pointer events) --------------------------------------
    # The panel is taller than the window: held near the bottom edge, the page scrolls.
    dragged = ideas[0]
    handle = page.locator(f'[data-idea="{dragged.pk}"] [data-drag-handle]')
    drop = page.locator(f'[data-drop-group="{mobility.pk}"]')
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 20, steps=4)
    expect(page.locator(".grouping__ghost")).to_have_count(1)
    height = page.viewport_size["height"]
    # Out of sight, the group is brought in by holding the idea near the edge on its side.
    drop_y = drop.bounding_box()["y"]
    if not 0 < drop_y + 40 < height - 70:
        page.mouse.move(start["x"] + 30, height - 10 if drop_y > 0 else 10, steps=6)
        eventually(
            lambda: 0 < drop.bounding_box()["y"] + 40 < height - 70,
            timeout=10,
            message="autoscroll",
        )

    # Over the group, away from the edges (within 64 px of one the page scrolls).
    def over_the_group() -> bool:
        end = drop.bounding_box()
        top, bottom = max(end["y"] + 10, 100), min(end["y"] + end["height"] - 10, height - 100)
        page.mouse.move(end["x"] + end["width"] / 2, (top + bottom) / 2, steps=4)
        return "is-drop-target" in (drop.get_attribute("class") or "")

    eventually(over_the_group, timeout=10, message="the pointer over the group")
    page.mouse.up()
    expect(page.locator(".grouping__ghost")).to_have_count(0)
    eventually(lambda: group_of(dragged.pk) == "Mobilités", message="drag and drop")
    expect(idea_in(page, mobility.pk, dragged.pk)).to_be_visible()
    expect(page.locator("[data-grouping-live]")).to_have_text(
        f"« {dragged.title} » est maintenant dans « Mobilités »."
    )
    settled(page)

    # And out of a group, dropped on « Idées sans groupe ».
    handle = page.locator(f'[data-idea="{ideas[1].pk}"] [data-drag-handle]')
    none = page.locator('[data-drop-group=""]')
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, 5, steps=6)  # near the top: the page scrolls up
    eventually(lambda: none.bounding_box()["y"] > 70, timeout=10, message="autoscroll up")
    end = none.bounding_box()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + min(150, end["height"] / 2), steps=3)
    expect(none).to_have_class(re.compile("is-drop-target"))
    page.mouse.up()
    eventually(lambda: group_of(ideas[1].pk) is None, message="drag out of a group")
    expect(page.locator("[data-grouping-live]")).to_have_text(
        re.compile("n’est plus dans un groupe")
    )
    settled(page)

    # The phone received every change, the last one being the current groups.
    eventually(
        lambda: phone.evaluate("() => window.groupFrames.length") >= 5, message="phone events"
    )
    last = phone.evaluate("() => window.groupFrames[window.groupFrames.length - 1]")
    assert [(g["name"], sorted(g["idea_ids"])) for g in last["groups"]] == [
        ("Mobilités", [dragged.pk]),
        ("Emploi et formation", [target.pk]),
    ]
    # ... and shows them, read-only: a line per group, its ideas behind it.
    groups = phone.locator("[data-room-groups]")
    expect(groups.locator("summary")).to_have_count(2)
    expect(groups.locator("summary").first).to_contain_text("Mobilités (1)")
    groups.locator("summary").first.click()
    expect(groups.locator("details").first).to_contain_text(dragged.title)

    # Accessible and readable at the two sizes, screenshots to look at.
    expect(page.locator(f'[data-drop-group="{mobility.pk}"] [data-idea]')).to_have_count(1)
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#regroupement").scroll_into_view_if_needed()
        shoot_panel(page, f"panel-{width}x{height}")
        no_horizontal_scroll(page, f"room with grouping panel {width}x{height}")
    page.set_viewport_size({"width": 1280, "height": 800})
    panel.locator(f"#groupe-{mobility.pk} summary").click()
    shoot_panel(page, "tools-open-1280x800")
    assert_no_axe_violations(page, "room with the grouping panel")
    # In the presenter console's activity pane, the groups sit side by side.
    page.locator("#regroupement").scroll_into_view_if_needed()
    shoot_panel(page, "wide-pane-1280x800")
    tops = page.locator(".grouping__group").evaluate_all(
        "(nodes) => nodes.map((n) => Math.round(n.getBoundingClientRect().top))"
    )
    assert len(set(tops)) < len(tops), f"groups side by side in a wide pane: {tops}"

    # Rename in place: « Renommer » beside the name opens the field, selected.
    page.locator(f"#rename-button-{jobs.pk}").click()
    name = page.locator(f"#rename-{jobs.pk}")
    expect(name).to_be_focused()
    page.keyboard.type("Emploi, formation")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name=re.compile("^Emploi, formation"))).to_be_visible()

    # Merge « Emploi, formation » into « Mobilités », then dissolve « Mobilités ».
    page.on("dialog", lambda dialog: dialog.accept())
    tools = panel.locator(f"#groupe-{jobs.pk}")
    if not tools.locator("details").evaluate("(d) => d.open"):
        tools.locator("summary").click()
    tools.get_by_label("Fusionner ses idées dans").select_option("Mobilités")
    tools.get_by_role("button", name="Fusionner").click()
    expect(panel.locator(f"#groupe-{jobs.pk}")).to_have_count(0)
    expect(page.locator(f'[data-drop-group="{mobility.pk}"] [data-idea]')).to_have_count(2)
    tools = panel.locator(f"#groupe-{mobility.pk}")
    if not tools.locator("details").evaluate("(d) => d.open"):
        tools.locator("summary").click()
    tools.get_by_role("button", name=re.compile("^Dissoudre")).click()
    expect(panel.locator(f"#groupe-{mobility.pk}")).to_have_count(0)
    expect(page.locator('[data-drop-group=""] [data-idea]')).to_have_count(5)
    eventually(lambda: not IdeaGroup.objects.exists(), message="dissolved")
    eventually(
        lambda: (
            phone.evaluate("() => window.groupFrames[window.groupFrames.length - 1]")
            == {"groups": []}
        ),
        message="the phone saw the last change",
    )


def test_the_panel_works_without_javascript(site, browser, clustering, facilitator):
    workshop, ideas = clustering["workshop"], clustering["ideas"]
    context = browser().new_context(
        base_url=site.url, java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    console = f"/ateliers/{workshop.slug}/animer/"
    sign_in(page, site, facilitator, next_path=console)
    page.goto(site(console))
    panel = page.locator("#regroupement")
    panel.get_by_label(f"Déplacer « {ideas[2].title} » vers").select_option("Mobilités")
    panel.locator(f'[data-idea="{ideas[2].pk}"]').get_by_role("button", name="Déplacer").click()
    eventually(lambda: group_of(ideas[2].pk) == "Mobilités", message="no-JS move")
    expect(
        page.locator(f'[data-drop-group="{clustering["mobility"].pk}"] [data-idea="{ideas[2].pk}"]')
    ).to_be_visible()
    shoot_panel(page, "no-js-1280x800")
    context.close()


def test_grouping_by_touch_on_a_tablet(site, browser, clustering, facilitator):
    """A finger on the idea's handle drags it (pointer events of type touch), the page
    scrolling under it near the edge; a finger elsewhere on the idea does not pick it up."""
    workshop, ideas = clustering["workshop"], clustering["ideas"]
    mobility = clustering["mobility"]
    context = browser().new_context(
        base_url=site.url,
        viewport={"width": 1024, "height": 768},
        has_touch=True,
        locale="fr-FR",
        device_scale_factor=1,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    console = f"/ateliers/{workshop.slug}/animer/"
    sign_in(page, site, facilitator, next_path=console)
    page.goto(site(console))
    wait_live(page)
    cdp = context.new_cdp_session(page)

    def touch(kind, x=None, y=None):
        points = [] if x is None else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    # A finger on the idea's text (not its handle) does not pick it up.
    text = page.locator(f'[data-idea="{ideas[3].pk}"] .grouping__title')
    text.scroll_into_view_if_needed()
    box = text.bounding_box()
    touch("touchStart", box["x"] + 10, box["y"] + 5)
    for i in range(1, 6):
        touch("touchMove", box["x"] + 10, box["y"] + 5 - 15 * i)
    expect(page.locator(".grouping__ghost")).to_have_count(0)
    touch("touchEnd")

    dragged = ideas[4]
    handle = page.locator(f'[data-idea="{dragged.pk}"] [data-drag-handle]')
    drop = page.locator(f'[data-drop-group="{mobility.pk}"]')
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    touch("touchStart", x, y)
    for i in range(1, 6):
        touch("touchMove", x + 4 * i, y + 4 * i)
    expect(page.locator(".grouping__ghost")).to_have_count(1)
    height = 768
    # Out of sight, the group is brought in by holding near the edge on its side.
    drop_y = drop.bounding_box()["y"]
    if not 0 < drop_y + 40 < height - 70:
        touch("touchMove", x + 20, height - 8 if drop_y > 0 else 8)
    eventually(
        lambda: 0 < drop.bounding_box()["y"] + 40 < height - 70, timeout=10, message="autoscroll"
    )

    # Over the group, away from the edges (within 64 px of one the page scrolls under the finger).
    def over_the_group() -> bool:
        end = drop.bounding_box()
        top, bottom = max(end["y"] + 10, 100), min(end["y"] + end["height"] - 10, height - 100)
        touch("touchMove", end["x"] + end["width"] / 2, (top + bottom) / 2)
        return "is-drop-target" in (drop.get_attribute("class") or "")

    eventually(over_the_group, timeout=10, message="the finger over the group")
    touch("touchEnd")
    eventually(lambda: group_of(dragged.pk) == "Mobilités", message="touch drag and drop")
    expect(idea_in(page, mobility.pk, dragged.pk)).to_be_visible()
    settled(page)
    no_horizontal_scroll(page, "tablet 1024x768 with the grouping panel")
    page.locator("#regroupement").scroll_into_view_if_needed()
    shoot_panel(page, "tablet-touch-1024x768")
    context.close()


def test_suggested_groups_accept_modify_ignore_by_keyboard(
    site, new_context, clustering, facilitator, axis
):
    """Three look-alike pairs join the wall: the panel suggests them with their words; the
    facilitator accepts one, edits one and ignores one, all from the keyboard; nothing is
    grouped before they say so, and the phone receives each group made."""
    from proposals.services import proposal_create
    from workshops.models import IdeaGroup, IdeaGroupMember
    from workshops.selectors import suggestion_key

    workshop, ideas = clustering["workshop"], clustering["ideas"]
    author = UserFactory(display_name="Lou", college="citizens")
    extra = [
        proposal_create(author=author, axis=axis, title=title, body="", origin_workshop=workshop)
        for title in (
            "Des bus de nuit le samedi soir",
            "Former les jeunes à l'hydrogène au lycée",
            "Un guichet unique pour recruter dans les entreprises",
        )
    ]
    bus = suggestion_key([ideas[1].pk, extra[0].pk])
    hydrogen = suggestion_key([ideas[3].pk, extra[1].pk])
    desk = suggestion_key([ideas[4].pk, extra[2].pk])

    room = f"/ateliers/{workshop.slug}/"
    phone = new_context("phone").new_page()
    sign_in(phone, site, clustering["phone"], next_path=room)
    phone.goto(site(room))
    wait_live(phone)

    page = new_context("desktop").new_page()
    console = f"/ateliers/{workshop.slug}/animer/"
    sign_in(page, site, facilitator, next_path=console)
    page.goto(site(console))
    wait_live(page)
    suggestions = page.locator("[data-suggestions]")
    expect(suggestions.get_by_role("heading", name="3 groupes suggérés")).to_be_visible()
    for key in (bus, hydrogen, desk):
        expect(page.locator(f"#suggestion-{key} .tag").first).to_be_visible()
    expect(page.locator(f"#suggestion-{bus} .grouping__reasons")).to_contain_text("bus")
    assert IdeaGroup.objects.filter(workshop=workshop).count() == 1  # only « Mobilités »
    SHOTS.mkdir(parents=True, exist_ok=True)
    suggestions.screenshot(path=str(SHOTS / "suggestions-1280x800.png"))
    assert_no_axe_violations(page, "grouping panel with suggestions")

    # « Accepter » with the keyboard: a group with those two ideas, on the phone too.
    accept = page.locator(f"#suggestion-{bus}-accept")
    name = page.locator(f"#suggestion-{bus} input[name=name]").first.get_attribute("value")
    accept.focus()
    page.keyboard.press("Enter")
    eventually(
        lambda: (
            set(
                IdeaGroupMember.objects.filter(group__name=name).values_list(
                    "proposal_id", flat=True
                )
            )
            == {ideas[1].pk, extra[0].pk}
        ),
        message="accepted group",
    )
    group = IdeaGroup.objects.get(workshop=workshop, name=name)
    settled(page)
    expect(idea_in(page, group.pk, extra[0].pk)).to_be_visible()
    expect(page.locator(f"#suggestion-{bus}")).to_have_count(0)
    expect(phone.locator("[data-room-groups]")).to_contain_text(f"{name} (2)")

    # « Modifier »: the summary opens a pre-filled form; renamed, one idea left out.
    summary = page.locator(f"#suggestion-{hydrogen} summary")
    summary.focus()
    page.keyboard.press("Enter")
    field = page.locator(f"#suggestion-{hydrogen}-name")
    expect(field).to_be_visible()
    field.fill("Hydrogène et jeunesse")
    box = page.locator(f"#suggestion-{hydrogen} input[type=checkbox][value='{extra[1].pk}']")
    box.focus()
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    page.locator(f"#suggestion-{hydrogen}").get_by_role("button", name="Créer ce groupe").press(
        "Enter"
    )
    eventually(
        lambda: (
            list(
                IdeaGroupMember.objects.filter(group__name="Hydrogène et jeunesse").values_list(
                    "proposal_id", flat=True
                )
            )
            == [ideas[3].pk]
        ),
        message="edited group",
    )
    assert not IdeaGroupMember.objects.filter(proposal=extra[1]).exists()
    settled(page)

    # « Ignorer »: gone for this facilitator, after a reload too; nothing grouped.
    before = IdeaGroup.objects.filter(workshop=workshop).count()
    page.locator(f"#suggestion-{desk}-ignore").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#suggestion-{desk}")).to_have_count(0)
    expect(page.locator("[data-grouping-live]")).to_contain_text("ignorée")
    page.reload()
    wait_live(page)
    expect(page.locator(f"#suggestion-{desk}")).to_have_count(0)
    assert IdeaGroup.objects.filter(workshop=workshop).count() == before
    assert not IdeaGroupMember.objects.filter(proposal=extra[2]).exists()
