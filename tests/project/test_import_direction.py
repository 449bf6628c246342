"""Which app may import which: the direction of dependency, read from the source with ast.

Every import counts, at module level and inside functions alike (a local import is still a
dependency). The rules, from the bottom up:

- ``ops`` (jobs, metrics, logs) and ``outbox`` (the e-mail outbox) are infrastructure: they
  import no other app of the project but ``project``'s library modules (``outbox`` uses
  ``ops``' job queue).
- ``project``'s library modules (errors, text, sanitizer, env, cache, ...) import no app; only
  its composition root — URLs, the API, ASGI, the home page, the demo timeline — does.
- ``accounts`` (the user, roles, tokens, privacy) is what every app builds on: it imports no
  product app, except the two modules that gather one person's activity across apps (the
  « mes contributions » page and the e-mail previews).
- ``proposals`` comes before the apps that work on proposals: the room's ideas are proposals,
  so ``workshops`` imports ``proposals`` and never the reverse; what proposals needs of an
  idea's origin workshop goes through ``proposals/origins.py``, which workshops fills in its
  ``AppConfig.ready()``. Nor does proposals import the apps built on it (opinions, summaries,
  decisions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = frozenset(
    p.parent.name
    for p in ROOT.glob("*/apps.py")
    if p.parent.name not in {"tests", "scripts", "bench"}
) | {"project"}
PRODUCT = frozenset(
    {"proposals", "opinions", "summaries", "workshops", "votes", "decisions", "realtime"}
)

# app -> the apps it never imports.
NEVER = {
    "ops": APPS - {"ops", "project"},
    "outbox": APPS - {"outbox", "ops", "project"},
    "project": APPS - {"project"},
    "accounts": PRODUCT,
    "proposals": frozenset({"workshops", "opinions", "summaries", "decisions"}),
}

# Module -> the forbidden apps it may import all the same, and why. Keep this list short: the
# test also fails when a module no longer needs its exception.
EXCEPTIONS = {
    # A person's contributions across the apps (accounts/views.py: « mes contributions »).
    "accounts/contributions.py": {"votes", "decisions", "summaries"},
    # The previews of every e-mail the platform sends, built by the apps' own functions.
    "accounts/email_previews.py": {"decisions", "summaries"},
    # project's composition root: the one place that wires the apps together.
    "project/api.py": APPS,
    "project/api_auth.py": {"accounts"},
    "project/asgi.py": APPS,
    "project/context_processors.py": {"proposals"},
    "project/demo_timeline.py": APPS,
    "project/home.py": APPS,
    "project/urls.py": APPS,
    "project/views.py": {"proposals"},
}


def imported_apps(path: Path) -> set[str]:
    """The project apps a module imports, anywhere in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & APPS
    return found


def modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("app", sorted(NEVER))
def test_an_app_never_imports_the_apps_built_on_it(app):
    wrong = []
    for path in modules(app):
        rel = path.relative_to(ROOT).as_posix()
        bad = (imported_apps(path) & NEVER[app]) - EXCEPTIONS.get(rel, set())
        if bad:
            wrong.append(f"{rel} imports {', '.join(sorted(bad))}")
    assert not wrong, "\n".join(wrong)


def test_proposals_never_imports_workshops_even_inside_a_function():
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in modules("proposals")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "workshops")
        or (
            isinstance(node, ast.Import)
            and any(alias.name.split(".")[0] == "workshops" for alias in node.names)
        )
    ]
    assert offenders == []


@pytest.mark.parametrize("module", sorted(EXCEPTIONS))
def test_each_exception_is_still_needed(module):
    app = module.split("/")[0]
    used = imported_apps(ROOT / module) & NEVER[app]
    assert used, f"{module} imports no forbidden app any more: drop it from EXCEPTIONS"
    assert used <= EXCEPTIONS[module]


def test_the_checker_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from workshops.models import Workshop\n    return Workshop\n")
    assert imported_apps(module) == {"workshops"}
