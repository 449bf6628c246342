"""Count the imports written inside functions, across the repository's product code.

    .venv/bin/python scripts/local_imports.py            # the three totals and per-app counts
    .venv/bin/python scripts/local_imports.py --list     # plus every local import, file:line

An import is "local" when it sits inside a function (``def`` or ``async def``, at any depth).
Each is classed as:

- cross-app: it imports another of the project's apps (``from workshops.models import ...``
  inside ``proposals/``);
- stdlib/Django: it imports the standard library or Django itself;
- other: the same app, or a third-party package.

A local import whose line (or the line above its run of imports) carries a ``#`` comment
counts as *explained* (a real cycle, a heavy optional import); the totals show how many are.

Skips ``tests/``, ``.venv``, migrations, ``bench/`` and ``node_modules``.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {"tests", ".venv", "migrations", "node_modules", "bench", ".git", "static"}


def project_apps() -> set[str]:
    """The top-level packages of the checkout (a directory holding an ``__init__.py``)."""
    return {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in SKIP_DIRS}


def python_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part in SKIP_DIRS for part in parts):
            continue
        yield path


def module_root(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: same package
            return ["."]
        return [(node.module or "").split(".")[0]]
    return [alias.name.split(".")[0] for alias in node.names]


def local_imports(tree: ast.AST):
    """Every import node inside a function body, at any depth."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            visit(child, inside)

    visit(tree, False)
    return found


def has_comment(lines: list[str], node: ast.stmt) -> bool:
    """A ``#`` comment on the import's own lines, or on a line just above the run of imports
    it belongs to (one comment may explain two or three imports written together)."""
    start = node.lineno - 1
    end = getattr(node, "end_lineno", node.lineno)
    if any("#" in line for line in lines[start:end]):
        return True
    above = start - 1
    while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def main(argv: list[str]) -> int:
    apps = project_apps()
    stdlib = set(sys.stdlib_module_names) | {"django"}
    totals = Counter()
    per_app = Counter()
    rows = []
    for path in python_files():
        rel = path.relative_to(ROOT)
        owner = rel.parts[0] if len(rel.parts) > 1 else ""
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in local_imports(ast.parse(source, filename=str(rel))):
            roots = module_root(node)
            cross = any(r in apps and r != owner for r in roots)
            std = all(r in stdlib for r in roots)
            explained = has_comment(lines, node)
            totals["local"] += 1
            totals["cross-app"] += cross
            totals["stdlib/Django"] += std
            totals["explained"] += explained
            per_app[owner or "."] += 1
            kind = "cross-app" if cross else "stdlib/Django" if std else "other"
            rows.append((f"{rel}:{node.lineno}", kind, "#" if explained else "", ast.unparse(node)))
    print(f"imports inside functions: {totals['local']}")
    print(f"  across apps:            {totals['cross-app']}")
    print(f"  stdlib or Django:       {totals['stdlib/Django']}")
    print(f"  with a comment:         {totals['explained']}")
    print("per app: " + ", ".join(f"{app} {n}" for app, n in per_app.most_common()))
    if "--list" in argv:
        for where, kind, mark, text in rows:
            print(f"{where:45} {kind:14} {mark:1} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
