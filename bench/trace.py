"""Trace benchmark: how the lineage of an action scales with the number of source proposals.

    python -m bench.trace --sizes 10 100 1000

For each size N, one published recommendation with one action gets N source
proposals, each with a merged duplicate, 3 supports and a comment, coming from
N/10 workshops with 20 participants each. Prints one JSON object with, per size:

- ``trace_queries``: queries of ``action_trace``, the whole trace the CSV and the API read
  (must not grow with N); ``trace_build_ms``: median time to compute it in-process (5 runs);
- ``page_queries``: queries of GET /actions/<id>/trace/ (must not grow with N);
- ``page_cpu_ms``: median CPU time of the page in-process (5 runs; the machine's load aside),
  the counts over every source kept in the cache (``decisions.trace_sql.aggregates``);
- ``page_cold_cpu_ms``: the same with the cache's generation moved before each request (a
  write just happened): the counts computed in SQL; equal to ``page_cpu_ms`` without cache;
- ``page``: latencies of the trace page served by uvicorn, over its first, second, middle
  and last pages; ``api``: of its JSON;
- ``baseline_rps``: a trivial view on the same server, to compare machines;
- ``targets``: the page's p95 targets (issue 21: ≤ 200 ms with 1,000 sources, ≤ 500 ms
  with 10,000) for the sizes measured, each with its p95 and whether it was met.

The page shows a summary and 50 sources a page (``?page=N``); the full list is the CSV
(``trace.csv``), not measured here.

Database: ``DATABASE_URL`` (PostgreSQL) or a SQLite file (see ``bench/common.py``);
the server runs on a free port in 8400-8499. The trace's counts are cached only with a cache
shared by the server's workers (``REDIS_URL``, as deployed: ``REDIS_URL=redis://127.0.0.1:6379/8
python -m bench.trace …``); ``cache`` and ``trace_cache`` say whether they were. Without it,
every request counts (``page_cold_cpu_ms``).
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time
import urllib.request

from bench import common

PORTS = range(8400, 8500)
# p95 of the trace page (ms) by number of sources: issue 21's targets.
TARGETS_P95_MS = {1000: 200, 10000: 500}
COLLEGES = ["citizens", "enterprises", "elected", "civil_society"]


def prepare(size: int) -> int:
    """Bulk-create the data for one trace of ``size`` source proposals; returns the action id.

    Written directly (bulk inserts): the benchmark measures reading the trace, and
    going through the services for tens of thousands of rows would take minutes."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from decisions.models import (
        ActionItem,
        Recommendation,
        RecommendationSource,
        RecommendationStatus,
    )
    from proposals.models import Axis, Comment, Proposal, Support
    from workshops.models import Participant, Workshop, WorkshopState, new_join_code

    run = secrets.token_hex(4)
    axis = Axis.objects.get(slug="filieres-avenir")
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"bt-{run}-{i}", display_name=f"P{i}", college=COLLEGES[i % 4])
                for i in range(max(50, size * 2))
            ]
        )
        workshops = Workshop.objects.bulk_create(
            [
                Workshop(
                    title=f"Atelier {run} {i}",
                    slug=f"bt-{run}-{i}",
                    join_code=new_join_code(),
                    state=WorkshopState.CLOSED,
                )
                for i in range(max(1, size // 10))
            ]
        )
        Participant.objects.bulk_create(
            [
                Participant(
                    workshop=w, user=users[(wi * 20 + j) % len(users)], college=COLLEGES[j % 4]
                )
                for wi, w in enumerate(workshops)
                for j in range(20)
            ],
            ignore_conflicts=True,
        )

        def proposal(i: int, suffix: str) -> Proposal:
            author = users[i % len(users)]
            return Proposal(
                axis=axis,
                title=f"Idée {run} {i}{suffix}",
                author=author,
                author_college=author.college,
                origin_workshop=workshops[i % len(workshops)],
                status="retained" if not suffix else "merged",
            )

        roots = Proposal.objects.bulk_create([proposal(i, "") for i in range(size)])
        dups = [proposal(i + size, " (doublon)") for i in range(size)]
        for dup, root in zip(dups, roots, strict=True):
            dup.merged_into = root
        Proposal.objects.bulk_create(dups)
        Support.objects.bulk_create(
            [
                Support(
                    proposal=p, user=users[(i * 3 + k + 1) % len(users)], user_college=COLLEGES[k]
                )
                for i, p in enumerate(roots)
                for k in range(3)
            ],
            ignore_conflicts=True,
        )
        Comment.objects.bulk_create(
            [
                Comment(
                    proposal=p,
                    author=users[(i + 7) % len(users)],
                    author_college="elected",
                    body="Oui",
                )
                for i, p in enumerate(roots)
            ]
        )
        rec = Recommendation.objects.create(
            title=f"Recommandation {run}",
            axis=axis,
            status=RecommendationStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        RecommendationSource.objects.bulk_create(
            [RecommendationSource(recommendation=rec, proposal=p) for p in roots]
        )
        action = ActionItem.objects.create(recommendation=rec, title="Action", owner_name="PMA")
    return action.pk


def trace_figures(action_id: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from decisions.models import ActionItem
    from decisions.trace import action_trace

    action = ActionItem.objects.select_related("recommendation__axis").get(pk=action_id)
    with CaptureQueriesContext(connection) as captured:
        trace = action_trace(action)
    trace_queries = len(captured.captured_queries)  # read now: a request clears the log
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        action_trace(action)
        timings.append((time.perf_counter() - started) * 1000)
    # The page's CPU time in this process (Django's test client, no server): what a request
    # costs whatever the load of the machine, which the latencies below are not.
    from proposals import board_cache

    client = Client()
    path = f"/actions/{action_id}/trace/"
    client.get(path)
    cpu, cold = [], []
    for _ in range(5):
        started = time.process_time()
        client.get(path)
        cpu.append((time.process_time() - started) * 1000)
        board_cache.changed()  # a write: the next request counts again
        started = time.process_time()
        client.get(path)
        cold.append((time.process_time() - started) * 1000)
    return {
        "proposals": len(trace.proposals),
        "workshops": len(trace.workshops),
        "contributors": trace.contributors.people,
        "trace_queries": trace_queries,
        "trace_build_ms": round(statistics.median(timings), 2),
        "page_cpu_ms": round(statistics.median(cpu), 2),
        "page_cold_cpu_ms": round(statistics.median(cold), 2),
        "trace_cache": board_cache.enabled(),
        "page_queries": common.count_queries(f"/actions/{action_id}/trace/"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=5, help="requests before measuring")
    parser.add_argument("--no-api", action="store_true", help="measure the page only")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)

    env = common.bench_env("trace")
    common.django_setup(env)
    actions = {size: prepare(size) for size in args.sizes}
    analyze()
    results = {size: trace_figures(action_id) for size, action_id in actions.items()}
    with common.server(env, workers=args.workers, port=common.free_port(PORTS)) as base_url:
        for size, action_id in actions.items():
            # Warm up here, not on each measured connection: one left idle longer than the
            # server's keep-alive (uvicorn: 5 s) while the others warm up is closed, and its
            # next request fails (599) though the page is fine.
            for _ in range(args.warmup):
                with urllib.request.urlopen(f"{base_url}/actions/{action_id}/trace/", timeout=120):
                    pass
            load = {"requests": args.requests, "concurrency": args.concurrency, "warmup": 0}
            results[size]["page"] = common.measure(base_url, page_paths(action_id, size), **load)
            if not args.no_api:
                results[size]["api"] = common.measure(
                    base_url, [f"/api/v1/actions/{action_id}/trace"], **load
                )
        baseline = common.baseline_rps(base_url)
    print(
        json.dumps(
            {
                "benchmark": "trace",
                "database": common.database_label(),
                "workers": args.workers,
                # The trace page's counts kept in a shared cache (REDIS_URL, as deployed)?
                "cache": "redis" if env.get("REDIS_URL") else "off",
                "sizes": {str(k): v for k, v in results.items()},
                "baseline_rps": baseline,
                "targets": targets(results),
            },
            indent=1,
        )
    )


def page_paths(action_id: int, size: int) -> list[str]:
    """The trace page's first, second, middle and last pages (as many as there are)."""
    from decisions.trace_page import PAGE_SIZE

    last = max(1, -(-size // PAGE_SIZE))
    pages = sorted({1, min(2, last), max(1, last // 2), last})
    return [f"/actions/{action_id}/trace/?page={n}" for n in pages]


def analyze() -> None:
    """PostgreSQL: refresh the planner's statistics after the bulk inserts, as autovacuum
    does on a live database (without them it planned the trace's recursive queries for
    3,768 proposals when there were 24,400: hash joins over the whole table, 18 ms)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def targets(results: dict[int, dict]) -> dict[str, dict]:
    """For each size with a target: the page's p95, the target, whether it was met."""
    out = {}
    for size, target in TARGETS_P95_MS.items():
        page = results.get(size, {}).get("page")
        if not page:
            continue
        p95 = page["p95_ms"]
        out[f"page_p95_ms_at_{size}"] = {
            "target_ms": target,
            "p95_ms": p95,
            "met": bool(p95 <= target and not page["errors"]),
        }
    return out


if __name__ == "__main__":
    main()
