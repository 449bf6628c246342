"""Help keep the English catalogues current.

    python scripts/po_fill.py dump [CATALOGUE...]        # untranslated en entries as JSON
    python scripts/po_fill.py apply FILE.json [CATALOGUE...]  # {"msgid": "translation", ...}

Without CATALOGUE, every ``*/locale/en/LC_MESSAGES/*.po`` of the project.
Plural entries take a list of two translations. Compile afterwards
(``make messages``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def catalogues(args: list[str]) -> list[Path]:
    if args:
        return [Path(a) for a in args]
    return sorted(
        p
        for p in ROOT.glob("**/locale/en/LC_MESSAGES/*.po")
        if ".venv" not in p.parts and "node_modules" not in p.parts
    )


def dump(paths: list[Path]) -> None:
    out: dict[str, str] = {}
    for path in paths:
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                # Fuzzy too: msgmerge guesses a new plural entry from an old singular one.
                if not all(entry.msgstr_plural.values()) or "fuzzy" in entry.flags:
                    out[entry.msgid] = [entry.msgid, entry.msgid_plural]
            elif not entry.msgstr or "fuzzy" in entry.flags:
                out[entry.msgid] = ""
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


def apply(source: Path, paths: list[Path]) -> None:
    translations = json.loads(source.read_text(encoding="utf-8"))
    for path in paths:
        po = polib.pofile(str(path))
        changed = 0
        for entry in po:
            value = translations.get(entry.msgid)
            if not value:
                continue
            if entry.msgid_plural and isinstance(value, list):
                entry.msgstr_plural = {0: value[0], 1: value[1]}
            elif not entry.msgid_plural and isinstance(value, str):
                entry.msgstr = value
            else:
                continue
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            changed += 1
        po.save()
        print(f"{path}: {changed} entries", file=sys.stderr)


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["dump"]
    if command == "dump":
        dump(catalogues(rest))
    elif command == "apply":
        apply(Path(rest[0]), catalogues(rest[1:]))
    else:
        raise SystemExit(__doc__)
