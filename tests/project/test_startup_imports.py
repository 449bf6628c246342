"""Starting a process (``django.setup()`` and the ASGI application) does not load SciPy
or scikit-learn: with them a server process took ~100 MB more (a room of 1,000 sockets:
249 MB instead of ~150) and 0.7 s more of an idle core to start; only the similar ideas,
the suggested groups and the opinion map's analysis need them, and they import them on
first use (NumPy, much lighter, is loaded by ``opinions.selectors``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "sklearn")

SCRIPT = """
import json, sys
import django
django.setup()
import project.asgi, project.urls
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_starting_a_process_loads_neither_scipy_nor_sklearn():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings_test"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"loaded at start-up: {loaded}"
