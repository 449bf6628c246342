"""The mypy ratchet of pyproject.toml: which modules still have errors, per app.

    python scripts/mypy_ratchet.py           # errors per app and per module, and which
                                             # listed modules are clean now (take them off)
    python scripts/mypy_ratchet.py --write   # rewrite the list to the modules with errors

The list (``[[tool.mypy.overrides]]`` with ``ignore_errors``) only shrinks in normal work;
``--write`` is for a merge that splits a listed module into new ones (their errors move
with the code): check with ``git diff pyproject.toml`` that no module was added otherwise.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = re.compile(r"(# Not clean yet[^\n]*\nmodule = \[\n)(.*?)(\n\]\nignore_errors = true)", re.S)


def _module(path: str) -> str:
    name = path.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def main() -> int:
    text = (ROOT / "pyproject.toml").read_text()
    config = tomllib.loads(text)["tool"]
    listed = next(o["module"] for o in config["mypy"]["overrides"] if o.get("ignore_errors"))
    with tempfile.TemporaryDirectory() as tmp:
        unlisted = Path(tmp) / "pyproject.toml"
        unlisted.write_text(LIST.sub(r'\1    "_none_",\3', text))
        run = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(unlisted)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    errors = Counter(
        line.split(":", 1)[0] for line in run.stdout.splitlines() if ": error:" in line
    )
    per_app = Counter()
    for path, count in errors.items():
        per_app[path.split("/", 1)[0]] += count
    print(f"{sum(errors.values())} errors in {len(errors)} modules")
    for app, count in per_app.most_common():
        print(f"  {app}: {count}")
    dirty = sorted({_module(path) for path in errors})
    clean_now = sorted(set(listed) - set(dirty))
    if clean_now:
        print("clean now, take off the list:", ", ".join(clean_now))
    if "--write" in sys.argv:
        body = "\n".join(f'    "{name}",' for name in dirty)
        (ROOT / "pyproject.toml").write_text(LIST.sub(lambda m: m[1] + body + m[3], text))
        print("pyproject.toml rewritten: check git diff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
