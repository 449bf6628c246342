"""Decision summary costs on the demo data: generation (queries, time) and the PDF (first
render, then served from the cache).

    .venv/bin/python bench/summary_pdf.py

Runs seed_demo on a throw-away test database (SQLite by default, PostgreSQL with
DATABASE_URL) and prints one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings_test")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        print(json.dumps(run()), flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from summaries.generation import scope_for_summary, summary_data_generate
    from summaries.models import DecisionSummary
    from summaries.pdf import version_pdf

    call_command("seed_demo", verbosity=0)
    summary = DecisionSummary.objects.select_related("workshop").get()
    scope = scope_for_summary(summary)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary_data_generate(scope)
        generation = time.perf_counter() - started
    version = summary.current_version
    started = time.perf_counter()
    pdf = version_pdf(version)
    first = time.perf_counter() - started
    started = time.perf_counter()
    version_pdf(version)
    cached = time.perf_counter() - started
    return {
        "database": connection.vendor,
        "generation_queries": len(queries),
        "generation_seconds": round(generation, 4),
        "pdf_bytes": len(pdf),
        "pdf_first_render_seconds": round(first, 3),
        "pdf_cached_seconds": round(cached, 4),
    }


if __name__ == "__main__":
    main()
