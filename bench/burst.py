"""« Votez maintenant ! »: N connected voters each cast one ballot within a short window.

    python -m bench.burst --voters 1000 --window 2.0          # SQLite (or DATABASE_URL), one process
    python -m bench.burst --voters 1000 --window 0.03         # the extreme: all at once
    python -m bench.burst --voters 1000 --write-path          # the write path alone, no server
    DATABASE_URL=postgres://… DB_CONN_MAX_AGE=60 REDIS_URL=redis://127.0.0.1:6379/11 \\
        python -m bench.burst --voters 1000 --window 2.0 --workers 2

The machinery is ``bench.votes``' (the same voters, sockets, observer, answers and
database check); only the schedule differs: ballot ``i`` (voter ``i``, a
majority-judgment ballot by default) is due at ``start + i * window / N`` and sent
then, whatever the server has answered.

Prints one JSON object: ``bench.votes``' figures (``ack_p95_ms``, ``lost``,
``count_checks``, …) plus

- ``not_acked``: ballots sent without an ack (must be 0);
- ``final_tally_after_last_send_ms``: from the last ballot sent to the moment the
  LAST screen (every voter's socket and the observer's) got its final tally,
  i.e. the slowest screen; ``…_after_last_ack_ms`` the same from the last ack;
- ``screens``, ``screens_final``: screens counted, and those whose last tally
  counts every acked ballot but the ``MIN_STEP`` hold-back (``votes.live``: a live
  tally moves by 3 ballots at least, so up to 2 may stay unshown).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from bench import common, votes


async def spread(load: votes.VoteLoad, window: float) -> None:
    """Ballot i (voter i) due at start + i * window / N; overdue ones go at once."""
    voters = len(load.sockets)
    start = load.send_start = time.time() + 0.05
    sends = []
    for i in range(voters):
        due = start + i * window / voters
        delay = due - time.time()
        if delay > 0.001:
            await asyncio.sleep(delay)
        sends.append(asyncio.create_task(load.send(i, due)))
    await asyncio.gather(*sends)
    load.send_end = time.time()


def screen_figures(load: votes.VoteLoad) -> dict:
    """When the final tally reached the slowest screen (every voter's and the observer's)."""
    acked = [b for b in load.ballots.values() if b.status]
    last_send = max((b.sent for b in load.ballots.values() if b.sent), default=load.send_start)
    last_ack = max((b.answered for b in acked), default=load.send_start)
    screens = [(received, json.loads(raw)["data"]) for received, raw in load.screens.values()]
    if load.tallies:
        screens.append(load.tallies[-1])
    expected = len({b.voter for b in acked})
    final = [
        received
        for received, data in screens
        if expected - votes.TALLY_STEP < data.get("voted", 0) <= expected
    ]
    slowest = max(final, default=None)
    return {
        "screens": len(load.sockets) + 1,
        "screens_with_tally": len(screens),
        "screens_final": len(final),
        "final_tally_after_last_send_ms": round((slowest - last_send) * 1000, 1)
        if slowest
        else None,
        "final_tally_after_last_ack_ms": round((slowest - last_ack) * 1000, 1) if slowest else None,
        # The observer's snapshots: (received, taken) in s after the first send, voted.
        "tally_timeline": [
            [round(r - load.send_start, 2), round(d["at"] - load.send_start, 2), d.get("voted")]
            for r, d in load.tallies
        ],
        "last_send_s": round(last_send - load.send_start, 2),
        "last_ack_s": round(last_ack - load.send_start, 2),
        "final_tally_fastest_screen_after_last_send_ms": round((min(final) - last_send) * 1000, 1)
        if final
        else None,
    }


async def run(base_url: str, plan: dict, window: float, connect_concurrency: int):
    load = votes.VoteLoad(base_url, plan)
    await load.connect(connect_concurrency)
    await spread(load, window)
    await load.settle()
    figures = load.figures()
    screens = screen_figures(load)
    await load.close()
    return load, figures, screens


def write_path(plan: dict) -> dict:
    """``ballots_cast`` for every voter, batch by batch, twice: wall and CPU ms per round."""
    from django.contrib.auth import get_user_model

    from votes import batch, services
    from votes.models import VoteSession

    workshop_id = VoteSession.objects.get(pk=plan["session"]).workshop_id
    users = get_user_model().objects.in_bulk(plan["voter_ids"])
    rounds: dict = {"batch_size": batch.MAX_BATCH}
    for n, name in enumerate(("new", "replaced")):
        requests = [
            services.BallotRequest(
                plan["session"],
                users[voter_id],
                votes.ballot_data(plan["method"], plan["options"], i + n),
                "",
                workshop_id,
            )
            for i, voter_id in enumerate(plan["voter_ids"])
        ]
        wall, cpu = time.perf_counter(), time.process_time()
        refused = 0
        for start in range(0, len(requests), batch.MAX_BATCH):
            outcomes = services.ballots_cast(requests[start : start + batch.MAX_BATCH])
            refused += sum(isinstance(outcome, Exception) for outcome in outcomes)
        rounds[name] = {
            "wall_ms": round((time.perf_counter() - wall) * 1000, 1),
            "cpu_ms": round((time.process_time() - cpu) * 1000, 1),
            "refused": refused,
        }
    return rounds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--window", type=float, default=2.0, help="seconds the ballots spread over")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (Redis needed for > 1)"
    )
    parser.add_argument(
        "--method",
        default="majority_judgment",
        choices=["poll", "support", "dots", "majority_judgment"],
    )
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument(
        "--write-path", action="store_true", help="time services.ballots_cast alone, no server"
    )
    args = parser.parse_args(argv)

    env = common.bench_env("burst")
    if args.workers > 1 and not env.get("REDIS_URL"):
        sys.exit("--workers > 1 needs REDIS_URL (the in-memory layer is per process)")
    common.django_setup(env)

    plan = votes.prepare(args.voters, args.method)
    if args.write_path:
        print(
            json.dumps(
                {
                    "mode": "write_path",
                    "voters": args.voters,
                    "method": args.method,
                    **write_path(plan),
                    "database": common.database_label(),
                }
            )
        )
        return
    with common.server(env, workers=args.workers, port=common.free_port(votes.PORTS)) as base_url:
        load, figures, screens = asyncio.run(
            run(base_url, plan, args.window, args.connect_concurrency)
        )
        rps = common.baseline_rps(base_url, requests=300)
    checked = votes.check_database(plan, load)
    result = {
        "mode": "burst",
        "voters": args.voters,
        "window_s": args.window,
        "method": args.method,
        "workers": args.workers,
        "not_acked": figures["ballots_sent"] - figures["ballots"],
        **figures,
        **screens,
        **checked,
        "layer": "redis" if env.get("REDIS_URL") else "in-memory",
        "database": common.database_label(),
        "baseline_rps": rps,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
