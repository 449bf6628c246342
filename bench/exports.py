"""Open-data export memory and throughput: peak Python memory while streaming N proposals.

    .venv/bin/python bench/exports.py [--sizes 1000,10000,100000]

Runs on a throw-away test database (SQLite by default, PostgreSQL with
DATABASE_URL) and prints one JSON object per line: dataset, format, rows,
bytes streamed, peak traced memory (tracemalloc, in a second pass) and seconds (in a
first pass without tracemalloc). Constant
memory means ``peak_bytes`` stays flat while ``rows`` grows.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings_test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        run(sizes)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(sizes: list[int]) -> None:
    from accounts.models import College, User
    from proposals.models import Axis, Proposal
    from summaries.opendata import DATASETS_BY_SLUG, iter_csv, iter_json

    author = User.objects.create(username="bench-author", college=College.CITIZENS)
    axis = Axis.objects.get(slug="filieres-avenir")
    dataset = DATASETS_BY_SLUG["propositions"]
    for encoder in (iter_csv, iter_json):  # warm-up (imports, caches)
        for _chunk in encoder(dataset):
            pass
    existing = 0
    for size in sizes:
        Proposal.objects.bulk_create(
            [
                Proposal(
                    axis=axis,
                    title=f"Proposition numéro {i} pour le Pays de Montbéliard",
                    author=author,
                    author_college=College.CITIZENS,
                    support_count=i % 50,
                )
                for i in range(existing, size)
            ],
            batch_size=2000,
        )
        existing = size
        for fmt, encoder in (("csv", iter_csv), ("json", iter_json)):
            # Time without tracemalloc (it slows allocation down several times), then memory.
            started = time.perf_counter()
            streamed = sum(len(chunk.encode()) for chunk in encoder(dataset))
            seconds = time.perf_counter() - started
            gc.collect()
            tracemalloc.start()
            for _chunk in encoder(dataset):
                pass
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                json.dumps(
                    {
                        "dataset": dataset.slug,
                        "format": fmt,
                        "database": connection_vendor(),
                        "rows": size,
                        "bytes": streamed,
                        "peak_bytes": peak,
                        "seconds": round(seconds, 3),
                    }
                ),
                flush=True,
            )


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
