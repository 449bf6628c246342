"""Refresh every translation catalogue, then compile them.

Source strings are written in French (the platform's first language); the
``en`` catalogues carry the English translations. Apps with a ``locale/``
folder get their own catalogue; the rest (project/, templates/) goes to
``locale/``.

French being the source, the ``fr`` catalogues are empty but for their plural entries:
those are filled with their own msgids (singular, plural), so that French counts follow
the French rule (0 and 1 singular, ``plural=(n > 1)``). Without a French entry gettext
falls back to the English rule, and « 0 soutiens » is what a page said.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv", "static/vendor", "staticfiles", "node_modules", "tests", "bench"]


def main() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings", "DEBUG": "1"}
    ignore = [arg for name in IGNORE for arg in ("--ignore", name)]
    for domain in ("django", "djangojs"):
        # The SVG templates (the trace diagram) hold strings too; makemessages skips them
        # unless told.
        extensions = ["-e", "html,txt,py,svg"] if domain == "django" else []
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "fr",
                "-l",
                "en",
                "-d",
                domain,
                "--no-obsolete",
                *extensions,
                *ignore,
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    fill_french_plurals()
    subprocess.run(
        [sys.executable, "manage.py", "compilemessages", *ignore], cwd=ROOT, env=env, check=True
    )


def fill_french_plurals() -> None:
    """The French plural entries say what their msgids say: singular for 0 and 1."""
    import polib

    for path in sorted(ROOT.glob("**/locale/fr/LC_MESSAGES/*.po")):
        if any(part in path.parts for part in IGNORE):
            continue
        po = polib.pofile(str(path))
        changed = False
        for entry in po:
            if entry.msgid_plural and not entry.obsolete:
                wanted = {0: entry.msgid, 1: entry.msgid_plural}
                if entry.msgstr_plural != wanted:
                    entry.msgstr_plural = wanted
                    changed = True
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                    changed = True
        if changed:
            po.save()
            # Back to gettext's own line wrapping (polib wraps differently): no churn.
            subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)


if __name__ == "__main__":
    main()
