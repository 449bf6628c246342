"""What the browser tests share: the live site, axe-core, screenshots, keyboard checks, sign-in."""

from __future__ import annotations

import json
import quopri
import re
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.servers import ROOT, Server

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "motdepasse-test-123"  # tests/factories.UserFactory's

# axe-core, pinned in package.json and vendored by scripts/vendor.sh: a test tool,
# never served. It is evaluated through the DevTools protocol, which the page's
# Content-Security-Policy does not govern: the CSP under test stays as it is.
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Site:
    server: Server
    mail_dir: Path

    def mails(self) -> list[str]:
        """The e-mails the server sent so far (raw messages, oldest first)."""
        files = sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)
        return [
            m for f in files for m in f.read_text(errors="replace").split("-" * 79) if m.strip()
        ]

    def last_mail_to(self, address: str) -> str:
        for message in reversed(self.mails()):
            if re.search(rf"^To: .*{re.escape(address)}", message, re.M):
                return quopri.decodestring(message.encode()).decode("utf-8", "replace")
        raise AssertionError(f"no e-mail to {address}")

    @property
    def url(self) -> str:
        return self.server.url

    def __call__(self, path: str) -> str:
        return self.server.url + path


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary, html: n.html.slice(0, 200)})),
            }));
        }""",
        WCAG_TAGS,
    )


def assert_no_axe_violations(page: Page, label: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core (WCAG 2.1 A/AA) violations on {label or page.url}:\n"
        + json.dumps(violations, indent=2, ensure_ascii=False)
    )


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page: Page, name: str) -> None:
    """axe at desktop and phone widths, and a screenshot at each, of the page as it is now."""
    original = page.viewport_size
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        screenshot(page, f"{name}-{size}")
        assert_no_axe_violations(page, f"{name} ({size}, {page.url})")
        no_horizontal_scroll(page, f"{name} ({size})")
    if original:
        page.set_viewport_size(original)


def eventually(check, timeout: float = 5.0, message: str = "") -> None:
    """Poll ``check()`` from Python until it is truthy. Unlike ``page.wait_for_function``,
    this also works in a context with JavaScript disabled: with Chromium 156 its page-side
    polling never fired there (the condition was true after 1 s, the wait timed out at 5 s),
    while one-off evaluations still work."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(message or f"still false after {timeout} s")
        time.sleep(0.1)


def no_horizontal_scroll(page: Page, label: str) -> None:
    """Nothing wider than the screen (WCAG 1.4.10 reflow): the page never scrolls sideways."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(-5).map((el) => el.outerHTML.slice(0, 120))"""
        )
        raise AssertionError(
            f"{label}: the page is {overflow}px wider than the viewport; widest: {culprits}"
        )


def sign_in(page: Page, site: Site, user, password: str = PASSWORD, next_path: str = "/") -> None:
    page.goto(site(f"/accounts/login/?next={next_path}"))
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.locator("main form").get_by_role("button", name=re.compile("Connexion")).click()
    # On a phone the button is in the closed « Menu »: signed in is its presence in the page.
    expect(page.get_by_role("button", name="Se déconnecter", include_hidden=True)).to_have_count(1)


def open_menu(page: Page) -> None:
    """Open the header's « Menu » disclosure where it is folded (phone); nothing on wide screens."""
    toggle = page.locator(".site-menu__toggle")
    if toggle.is_visible() and not page.locator("details.site-menu").evaluate("d => d.open"):
        toggle.click()
    expect(page.locator(".site-menu__main")).to_be_visible()


FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
        id: el.id, href: el.getAttribute("href"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== "none",
        visible: rect.width > 0 && rect.height > 0,
        inViewport: rect.bottom > 0 && rect.top < window.innerHeight,
    };
}"""


def tab(page: Page) -> dict | None:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def assert_keyboard_basics(page: Page, label: str, stops: int = 25) -> list[dict]:
    """Skip link first and working; every focus stop visible, outlined, in document order."""
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    first = tab(page)
    assert first and first["href"] == "#contenu", (
        f"{label}: first Tab stop is {first}, not the skip link"
    )
    assert first["inViewport"] and first["outline"], (
        f"{label}: the skip link is not visible when focused"
    )
    page.keyboard.press("Enter")
    main_focused = page.evaluate("() => document.activeElement && document.activeElement.id")
    assert main_focused == "contenu", f"{label}: the skip link does not move focus to the content"

    # Tab order follows the document order (no positive tabindex, nothing jumping around)
    # and each stop shows a visible focus indicator.
    page.goto(page.url.split("#")[0])  # start again from the top of the page
    seen: list[dict] = []
    for _ in range(stops):
        info = tab(page)
        if info is None or (seen and info["href"] == "#contenu"):
            break  # the end of the page: focus left it or wrapped around
        assert info["visible"], f"{label}: focus went to an invisible element {info}"
        assert info["inViewport"], f"{label}: the focused element is off screen {info}"
        assert info["outline"] or info["shadow"], f"{label}: no visible focus on {info}"
        in_order = page.evaluate(
            """() => {
                const el = document.activeElement;
                const prev = window.__lastFocused;
                window.__lastFocused = el;
                return !prev || !!(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
            }"""
        )
        assert in_order, f"{label}: focus moved backwards to {info}"
        seen.append(info)
    assert seen, f"{label}: nothing can be reached with Tab"
    return seen
