"""Refresh every translation catalogue, then compile them.

Source strings are written in French (the platform's first language); the
``en`` catalogues carry the English translations. Apps with a ``locale/``
folder get their own catalogue; the rest (project/, templates/) goes to
``locale/``.
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
                *ignore,
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    subprocess.run(
        [sys.executable, "manage.py", "compilemessages", *ignore], cwd=ROOT, env=env, check=True
    )


if __name__ == "__main__":
    main()
