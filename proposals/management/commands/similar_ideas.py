"""Suggested groups and duplicate pairs for a list of ideas, as the platform computes them.

    python manage.py similar_ideas ideas.json

``ideas.json`` holds a JSON list of ``{"id": …, "text": …}``; the command prints one JSON
object ``{"groups": [[id, …], …], "duplicates": [[id_a, id_b], …]}`` (``--explain`` adds
the words each group rests on and the method used), through ``proposals.similarity.analyse``, the
code the site runs, at the configured settings (``settings.SIMILARITY``).
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from proposals import similarity


class Command(BaseCommand):
    help = "Suggested groups and likely duplicates for a JSON list of {id, text} ideas."

    def add_arguments(self, parser):
        parser.add_argument(
            "--explain", action="store_true", help="add each group's words and the method used"
        )
        parser.add_argument(
            "file", help='a JSON file: a list of {"id": …, "text": …} (\'-\': stdin)'
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        if isinstance(data, dict) and "items" in data:
            data = data["items"]
        if not isinstance(data, list) or not all(
            isinstance(row, dict) and "id" in row and isinstance(row.get("text"), str)
            for row in data
        ):
            raise CommandError('Expected a JSON list of {"id": …, "text": "…"} objects.')
        ids = [row["id"] for row in data]
        if len(set(map(json.dumps, ids))) != len(ids):
            raise CommandError("Each idea needs its own id.")
        result = similarity.analyse(data)
        if not options["explain"]:
            result = {"groups": result["groups"], "duplicates": result["duplicates"]}
        self.stdout.write(json.dumps(result, ensure_ascii=False))
