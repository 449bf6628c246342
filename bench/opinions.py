"""The opinion map's analysis: time on a synthetic conversation and on the two real
Pol.is exports (with the adjusted Rand index against Pol.is's own groups).

    .venv/bin/python -m bench.opinions [--participants 5000 --statements 300 --density 0.5]

Pure computation (numpy / scikit-learn, one thread), no database: the same function
the background job calls after reading the votes. Prints one JSON object. The
synthetic conversation has 4 latent opinion camps of unequal sizes; each person
votes on a random share of the statements (uniform between 10 % and 100 %, mean
``density``), 10 % of their votes against their camp; the ARI there is against the
camps.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opinions import analysis as A  # noqa: E402

POLIS = ROOT / "tests" / "data" / "polis"


def synthetic(participants: int, statements: int, density: float, seed: int = 7):
    rng = np.random.default_rng(seed)
    camps = rng.choice(4, size=participants, p=[0.4, 0.3, 0.2, 0.1])
    stance = rng.choice([-1, 0, 1], size=(4, statements), p=[0.35, 0.15, 0.5])
    shares = np.clip(rng.uniform(0.1, 1.0, size=participants) * density / 0.55, 0.02, 1.0)
    voted = rng.random((participants, statements)) < shares[:, None]
    values = stance[camps].astype(float)
    noise = rng.random((participants, statements)) < 0.1
    values[noise] = rng.choice([-1.0, 0.0, 1.0], size=int(noise.sum()))
    values[~voted] = np.nan
    matrix = A.VoteMatrix(list(range(participants)), list(range(statements)), values)
    return matrix, camps


def polis(directory: Path):
    with (directory / "comments.csv").open(newline="") as handle:
        comments = list(csv.DictReader(handle))
    with (directory / "votes.csv").open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["timestamp"]))
    with (directory / "participants-votes.csv").open(newline="") as handle:
        truth = {
            int(r["participant"]): int(r["group-id"])
            for r in csv.DictReader(handle)
            if r["group-id"] != ""
        }
    latest = {(int(r["voter-id"]), int(r["comment-id"])): int(r["vote"]) for r in rows}
    hidden = {int(c["comment-id"]) for c in comments if c["moderated"] == "-1"}
    statements = sorted({int(c["comment-id"]) for c in comments})
    matrix = A.VoteMatrix.from_votes(
        [(p, c, v) for (p, c), v in latest.items()], statements=statements, hidden=hidden
    )
    return matrix, truth


def timed(matrix, repeat: int = 3):
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result, _state = A.analyse(matrix)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return result, best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--density", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--db",
        action="store_true",
        help="Also store the synthetic votes in a database (BENCH_SQLITE_PATH or DATABASE_URL) "
        "and time the background job end to end: reading the votes, computing, storing.",
    )
    args = parser.parse_args()

    A.analyse(A.VoteMatrix.from_votes([(1, 1, 1), (2, 1, -1)]))  # imports warmed up
    out: dict = {"target_seconds": 10.0, "polis": {}}
    for name in ("15-per-hour-seattle", "scoop-hivemind.ubi"):
        matrix, truth = polis(POLIS / name)
        result, seconds = timed(matrix, args.repeat)
        ours = {p: g["id"] for g in result["groups"] for p in g["members"]}
        common = sorted(set(ours) & set(truth))
        out["polis"][name] = {
            "participants": len(matrix.participants),
            "statements": len(matrix.statements),
            "grouped_by_polis": len(truth),
            "grouped_by_us": len(ours),
            "compared": len(common),
            "k_polis": len(set(truth.values())),
            "k_ours": result["k"],
            "ari": round(
                A.adjusted_rand_index([truth[p] for p in common], [ours[p] for p in common]), 3
            ),
            "seconds": round(seconds, 3),
        }
    matrix, camps = synthetic(args.participants, args.statements, args.density)
    result, seconds = timed(matrix, args.repeat)
    ours = {p: g["id"] for g in result["groups"] for p in g["members"]}
    grouped = sorted(ours)
    out["synthetic"] = {
        "participants": args.participants,
        "statements": args.statements,
        "votes": int((~np.isnan(matrix.values)).sum()),
        "k_ours": result["k"],
        "ari_against_camps": round(
            A.adjusted_rand_index([camps[p] for p in grouped], [ours[p] for p in grouped]), 3
        ),
        "seconds": round(seconds, 3),
        "under_target": seconds < 10.0,
    }
    if args.db:
        out["synthetic_db"] = through_database(matrix)
    print(json.dumps(out, indent=2))


def through_database(matrix) -> dict:
    """The synthetic votes stored as rows, then ``analysis_run`` as the background job runs it."""
    from bench import common

    env = common.bench_env("opinions")
    common.django_setup(env)
    from django.db import transaction

    from accounts.models import User
    from opinions.models import Conversation, ConversationParticipant, Statement, StatementVote
    from opinions.services import analysis_run

    with transaction.atomic():
        Conversation.objects.filter(external_source="bench:synthetic").delete()
        User.objects.filter(username__startswith="bench-opinion-").delete()
        conversation = Conversation.objects.create(
            question="Synthetic", external_source="bench:synthetic", is_open=False
        )
        users = User.objects.bulk_create(
            User(username=f"bench-opinion-{p}", is_guest=True, password="!")
            for p in matrix.participants
        )
        participants = ConversationParticipant.objects.bulk_create(
            ConversationParticipant(conversation=conversation, user=u, college=u.college)
            for u in users
        )
        statements = Statement.objects.bulk_create(
            Statement(conversation=conversation, author=participants[0], text=f"S{s}")
            for s in matrix.statements
        )
        rows, cols = np.nonzero(~np.isnan(matrix.values))
        StatementVote.objects.bulk_create(
            (
                StatementVote(
                    statement_id=statements[c].pk,
                    participant_id=participants[r].pk,
                    value=int(matrix.values[r, c]),
                )
                for r, c in zip(rows, cols, strict=True)
            ),
            batch_size=5000,
        )
    started = time.perf_counter()
    analysis = analysis_run(conversation)
    total = time.perf_counter() - started
    return {
        "database": common.database_label(),
        "votes": analysis.votes_seen,
        "seconds_end_to_end": round(total, 3),
        "under_target": total < 10.0,
    }


if __name__ == "__main__":
    main()
