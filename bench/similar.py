"""Similar ideas: quality on the labelled set, and speed.

    python -m bench.similar [--proposals 10000] [--queries 200] [--quality-only]

Prints one JSON object:

- ``quality``: on ``tests/data/similar_ideas.json``, the adjusted Rand index of the
  suggested groups against the labelled sub-topics (``group``; ideas left alone count as
  groups of one), duplicate precision and recall at the configured threshold (true pairs:
  the same ``idea``), the look-alike pairs wrongly flagged; the same without the concept
  lexicon (``without_concepts``);
- ``groups_500``: ``similarity.analyse`` (groups and duplicates, what the facilitator's
  suggestion and ``manage.py similar_ideas`` run) on 500 ideas: median and worst of 5 runs;
- ``typing``: the similar-ideas endpoint (``GET /propositions/similaires/``, in-process
  through Django's test client: middleware, session, two queries, template) while a text
  is typed word by word, with ``--proposals`` proposals (``generate_load`` in the bench
  database): p50/p95/p99 in ms, plus the cold index build and the refresh after a write
  (the index is per process: the build happens once per worker, the first time), and the
  moderators' duplicates queue computed from cold.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "similar_ideas.json"


def quality(path: Path = DATA, cfg: dict | None = None) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from proposals import similarity

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    items = data["items"]
    cfg = {**similarity.config(), **(cfg or {})}
    pairs_in = [(item["id"], item["text"]) for item in items]
    vectors = similarity.vectorise([text for _i, text in pairs_in], cfg)
    groups = similarity.suggest_groups(pairs_in, vectors=vectors)
    label = {ident: n for n, group in enumerate(groups) for ident in group.ids}
    predicted = [label.get(item["id"], f"alone-{item['id']}") for item in items]
    flagged = {
        frozenset((a, b)) for a, b, _s in similarity.duplicate_pairs(pairs_in, vectors=vectors)
    }
    truth = {
        frozenset((a["id"], b["id"]))
        for a, b in itertools.combinations(items, 2)
        if a["idea"] == b["idea"]
    }
    hits = len(flagged & truth)
    lookalikes = {frozenset(pair) for pair in data["lookalikes"]}
    return {
        "items": len(items),
        "themes": len({item["theme"] for item in items}),
        "method": vectors.method,
        "ari_groups": round(adjusted_rand_score([i["group"] for i in items], predicted), 3),
        "ari_themes": round(adjusted_rand_score([i["theme"] for i in items], predicted), 3),
        "suggested_groups": len(groups),
        "thresholds": {"group": vectors.group, "duplicate": vectors.duplicate},
        "duplicates": {
            "true_pairs": len(truth),
            "flagged": len(flagged),
            "precision": round(hits / len(flagged), 3) if flagged else 0.0,
            "recall": round(hits / len(truth), 3),
            "lookalikes": len(lookalikes),
            "lookalikes_flagged": len(flagged & lookalikes),
        },
    }


def synthetic_ideas(count: int, seed: int = 7) -> list[dict]:
    """``count`` ideas from the labelled texts, each varied (a place, an opening, a reason)."""
    rng = random.Random(seed)
    texts = [item["text"] for item in json.loads(DATA.read_text(encoding="utf-8"))["items"]]
    openings = ["", "Il faudrait ", "Je propose de ", "Pourquoi ne pas ", "Urgent : "]
    places = ["", " à Montbéliard", " à Audincourt", " à Valentigney", " dans les villages"]
    reasons = ["", " pour l'avenir du territoire", " d'ici 2030", " avec les habitants"]
    return [
        {
            "id": n + 1,
            "text": rng.choice(openings)
            + rng.choice(texts)
            + rng.choice(places)
            + rng.choice(reasons),
        }
        for n in range(count)
    ]


def time_groups(count: int = 500, runs: int = 5) -> dict:
    from proposals import similarity

    ideas = synthetic_ideas(count)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = similarity.analyse(ideas)
        seconds.append(time.perf_counter() - started)
    return {
        "ideas": count,
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "groups": len(result["groups"]),
        "duplicates": len(result["duplicates"]),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def time_typing(proposals: int, queries: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from proposals import similar_index
    from proposals.models import Proposal
    from proposals.services import proposal_create

    if Proposal.objects.count() < proposals:
        call_command("generate_load", proposals=proposals, users=500, stdout=sys.stderr)
    user = User.objects.filter(is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(user)

    similar_index.clear()
    started = time.perf_counter()
    index = similar_index.build_now()
    build_s = time.perf_counter() - started

    sentences = [
        "Des formations pr les jeunes aux métiers de l'industrie et de l'hydrogène",
        "Créer des pistes cyclables sécurisées entre Montbéliard et Audincourt",
        "Reconvertir les friches industrielles en zones d'activités pour les PME",
        "Installer des panneaux solaires sur les toits des usines et des écoles",
        "Ouvrir une maison de santé pour lutter contre le désert médical",
    ]
    typed = []
    for sentence in sentences:
        words = sentence.split()
        typed += [" ".join(words[: n + 1]) for n in range(len(words))]
    latencies, found = [], 0
    for n in range(queries):
        text = typed[n % len(typed)]
        started = time.perf_counter()
        response = client.get("/propositions/similaires/", {"title": text})
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        found += response.content.count(b"similar-ideas__item")
    # Queries of one request once warm (a wrapper, not the query log: each request resets
    # the log). Once every STAMP_SECONDS the request also reads the freshness stamp.
    counted: list[str] = []

    def count(execute, sql, params, many, context):
        counted.append(sql)
        return execute(sql, params, many, context)

    similar_index.mark_stale()
    with connection.execute_wrapper(count):
        client.get("/propositions/similaires/", {"title": typed[-1]})

    # A write, then the first request after it (the index refreshes the changed rows).
    proposal_create(
        author=user,
        axis=Proposal.objects.order_by("pk").first().axis,
        title="Une navette de nuit pour les salariés en équipe",
        body="Des bus après 22 h vers les sites industriels.",
    )
    started = time.perf_counter()
    client.get("/propositions/similaires/", {"title": "navette de nuit pour les salariés"})
    after_write_ms = (time.perf_counter() - started) * 1000
    # The moderators' queue: every pair above the duplicate threshold, once per index state.
    started = time.perf_counter()
    pairs = similar_index.duplicate_candidates()
    duplicates_s = time.perf_counter() - started
    return {
        "duplicate_queue_cold_s": round(duplicates_s, 2),
        "duplicate_queue_pairs": len(pairs),
        "proposals_indexed": int(len(index.ids)),
        "index_build_s": round(build_s, 2),
        "queries": queries,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "suggestions_shown_per_query": round(found / queries, 2),
        "db_queries_per_request_with_stamp": len(counted),
        "first_request_after_a_write_ms": round(after_write_ms, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--quality-only", action="store_true")
    args = parser.parse_args(argv)

    from bench import common

    env = common.bench_env("bench-similar")
    common.django_setup(env, migrate=not args.quality_only)
    result: dict = {"benchmark": "similar", "cpu_count": os.cpu_count()}
    result["quality"] = quality()
    result["quality"]["without_concepts"] = {
        key: value
        for key, value in quality(cfg={"CONCEPTS": False}).items()
        if key in ("ari_groups", "duplicates")
    }
    if not args.quality_only:
        result["groups_500"] = time_groups()
        result["database"] = common.database_label()
        result["typing"] = time_typing(args.proposals, args.queries)
        result["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
