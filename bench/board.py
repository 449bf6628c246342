"""Board benchmark: the board, a filtered and searched board, a proposal page and the API list.

    python -m bench.board --proposals 10000 [--users 500] [--requests 300] [--concurrency 4]

Fills the benchmark database with ``generate_load`` if it holds fewer
proposals, starts a uvicorn server on it (a free port in 8100-8199), measures
each page over HTTP, counts each page's queries in-process, and prints one
JSON object. With ``DATABASE_URL`` it uses that database (PostgreSQL);
otherwise a SQLite file kept between runs (``BENCH_SQLITE_PATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from bench import common


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300, help="requests per measured page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)

    env = common.bench_env("bench-board")
    common.django_setup(env)
    fill_seconds = fill(args.proposals, args.users)
    pages = pages_to_measure()

    result: dict = {
        "benchmark": "board",
        "database": common.database_label(),
        "proposals": pages.pop("_count"),
        "fill_seconds": fill_seconds,
        "server": f"uvicorn, {args.workers} worker(s)",
        "python": platform.python_version(),
        "requests_per_page": args.requests,
        "concurrency": args.concurrency,
    }
    with common.server(env, workers=args.workers) as base_url:
        result["baseline_rps"] = common.baseline_rps(
            base_url, requests=max(args.requests * 3, 500), concurrency=args.concurrency
        )
        for name, paths in pages.items():
            stats = common.measure(
                base_url, paths, requests=args.requests, concurrency=args.concurrency
            )
            stats["queries"] = common.count_queries(paths[0])
            stats["path"] = paths[0]
            result[name] = stats
    # Other processes on the machine skew latencies; baseline_rps shows by how much.
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


def fill(proposals: int, users: int) -> float | None:
    from django.core.management import call_command

    from proposals.models import Proposal

    if Proposal.objects.count() >= proposals:
        return None
    started = time.monotonic()
    call_command("generate_load", proposals=proposals, users=users, stdout=sys.stderr)
    return round(time.monotonic() - started, 1)


def pages_to_measure() -> dict:
    from django.db.models import Q

    from proposals.models import Proposal

    count = Proposal.objects.count()
    # Proposal pages: several well-commented, public ones in turn (not one cached row).
    ids = list(
        Proposal.objects.filter(is_hidden=False)
        .exclude(status="merged")
        .filter(Q(comment_count__gte=2))
        .order_by("-support_count")
        .values_list("pk", flat=True)[:20]
    )
    return {
        "_count": count,
        "board": ["/propositions/"],
        "board_filtered_search": [
            "/propositions/?axis=filieres-avenir&status=under_review&college=enterprises&q=hydrog%C3%A8ne&sort=supported",
            "/propositions/?axis=former-massivement&q=reconversion+salari%C3%A9s&sort=relevance",
            "/propositions/?q=friches&status=submitted&page=2",
        ],
        "proposal_page": [f"/propositions/{pk}/" for pk in ids] or ["/propositions/1/"],
        "api_list": ["/api/v1/proposals?page_size=20&sort=supported", "/api/v1/proposals?page=3"],
    }


if __name__ == "__main__":
    main()
