"""Live tallies of vote sessions: coalesced snapshots, the same for every server process.

A ballot never produces a message of its own: after it commits it asks for a snapshot of
its session (``tally_touch_on_commit``), and ``realtime.coalesce`` makes those requests
into at most one ``vote.tally`` snapshot per ``INTERVAL`` (4 per second), always one after
the last ballot, whichever process sends it (the module explains how). What this module
adds is what a snapshot of a vote holds: the turnout with the people present in the room
now, and the results the room may see (``results_shown``).

What a snapshot shows of the results is ``results_shown``: with live results, a tally
moves only when at least ``MIN_STEP`` (3) new ballots have arrived since the one last
shown, whatever the timer says, so that the last one or two ballots wait for more (or for
the close, which shows the final tally): a step of one ballot would tell whoever saw a
neighbour vote what they chose. The pages polled over HTTP, the API and ``vote.get``
read the same held tally.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from typing import Any

from realtime.broadcast import broadcast_on_commit
from realtime.coalesce import Coalescer
from realtime.hub import get_hub
from realtime.stores import STORE_ERRORS
from votes import rules, selectors
from votes.models import SessionState, VoteSession
from votes.results import college_label, consistent_read, results_compute
from workshops.figures import connected_count

logger = logging.getLogger(__name__)

INTERVAL = 0.25  # seconds between two snapshots of a session: 4 per second at most
PENDING_TTL = 5  # seconds; frees the flusher key if its process died
VERSION_TTL = 7 * 24 * 3600
# The keys of a session that this module keeps next to the coalescer's.
OWN_KEYS = ("digest", "shown", "shown-lock")

__all__ = [
    "INTERVAL",
    "MIN_STEP",
    "STORE_ERRORS",
    "is_idle",
    "reset",
    "results_shown",
    "snapshot",
    "tally_broadcast",
    "tally_touch",
    "tally_touch_on_commit",
]


async def _present(workshop_id: int | None) -> int | None:
    """People connected to the room now (this deployment's presence), or None if unknown."""
    if workshop_id is None:
        return None
    try:
        return connected_count(await get_hub().present(workshop_id))
    except Exception:  # presence is a nicety: a tally never fails for it
        logger.debug("no presence for room %s", workshop_id, exc_info=True)
        return None


def _flush(session_id: int, version: int, present: int | None, at: float) -> None:
    tally_broadcast(session_id, version=version, present=present, at=at)


tallies = Coalescer(
    "votes",
    flush=_flush,
    gather=_present,
    interval=INTERVAL,
    pending_ttl=PENDING_TTL,
    version_ttl=VERSION_TTL,
    thread_name="vote-tally",
)


def tally_touch_on_commit(session) -> None:
    """Ask for a snapshot of ``session`` once the current transaction commits."""
    if session.workshop_id is None:
        return
    tallies.touch_on_commit(session.pk, session.workshop_id)


def tally_touch(session_id: int, workshop_id: int | None = None) -> None:
    """After a committed ballot: count it, and start the session's flusher if none runs."""
    tallies.touch(session_id, workshop_id)


def is_idle(session_id: int) -> bool:
    """No snapshot pending for the session (tests and the bench wait on this)."""
    return tallies.is_idle(session_id)


def reset(session_id: int) -> None:
    """Forget a session's live state (tests reuse primary keys across runs)."""
    tallies.reset(session_id, *OWN_KEYS)


MIN_STEP = 3  # ballots: a live tally never moves by fewer (a neighbour's ballot would show)


def results_shown(session) -> dict[str, Any]:
    """The results of ``session`` as the room may see them now (a dict, as ``Results.as_dict``).

    Closed, or while the room does not see results live: the tally itself. Open with live
    results: the tally last shown, which moves only when at least ``MIN_STEP`` new
    ballots have arrived since (a change of one ballot would give it away: whoever saw a
    neighbour vote would read their choice), or when only what moderation hides changed.
    The socket frames, the pages polled over HTTP, the API and the socket's ``vote.get``
    all read it here, so they agree. The shown tally lives in the live store (shared by
    the processes); a lock makes its moves one at a time.
    """

    if session.state != SessionState.OPEN or not rules.results_revealed(session):
        return results_compute(session).as_dict()
    try:
        return _results_held(session)
    except STORE_ERRORS:  # the live store (Redis) is down: pages must still answer
        # What was shown cannot be read: show no tally rather than one that could move by a
        # single ballot. The tally comes back with the store (the next snapshot).
        logger.warning("live results: store unavailable for session %s", session.pk, exc_info=True)
        return results_compute(session, empty=True).as_dict()


def _results_held(session) -> dict[str, Any]:
    store = tallies.store
    shown_key, lock_key = tallies.key(session.pk, "shown"), tallies.key(session.pk, "shown-lock")
    if not store.add(lock_key, os.getpid(), PENDING_TTL):
        # Another process is moving it: what was shown stays shown.
        shown = _load(store.get(shown_key))
        if shown is not None:
            return _relabelled(shown)
        return results_compute(session, empty=True).as_dict()
    try:
        shown = _load(store.get(shown_key))
        current = results_compute(session).as_dict()
        if shown is None and 0 < current["ballots"] < MIN_STEP:
            shown = results_compute(session, empty=True).as_dict()
            store.set(shown_key, json.dumps(shown, default=str), VERSION_TTL)
        if shown is None or _may_move(shown, current):
            store.set(shown_key, json.dumps(current, default=str), VERSION_TTL)
            return current
        return _relabelled(shown)
    finally:
        store.delete(lock_key)


def _may_move(shown: dict, current: dict) -> bool:
    step = current["ballots"] - shown["ballots"]
    if step >= MIN_STEP or step < 0:
        return True
    if step == 0:
        # Moderation (a hidden answer or word) moves no ballot: it shows at once; a changed
        # ballot waits like a new one.
        return {k: v for k, v in current.items() if k != "words"} == {
            k: v for k, v in shown.items() if k != "words"
        }
    return False


def _load(raw) -> dict | None:
    return json.loads(raw) if raw else None


def _relabelled(results: dict) -> dict:
    """A stored tally with its college labels in the reader's language."""
    for group in results.get("by_college", []):
        group["label"] = college_label(group["college"])
    return results


def snapshot(
    session,
    *,
    version: int = 0,
    present: int | None = None,
    at: float | None = None,
    results: bool | None = None,
) -> dict[str, Any]:
    """Turnout, and the results when the session shows them live (``at``: when, epoch seconds)."""
    with consistent_read():  # turnout and results from the same instant
        computed = None
        if results if results is not None else rules.results_revealed(session):
            computed = results_shown(session)
        data: dict[str, Any] = {
            "version": version,
            "at": round(at if at is not None else time.time(), 3),
            # The results have counted the ballots already (same snapshot): no second count.
            # Held (``results_shown``), the turnout is the one of the results shown.
            **selectors.turnout(
                session, present=present, voted=computed["ballots"] if computed else None
            ),
        }
        if computed is not None:
            data["results"] = computed
    return data


def tally_broadcast(
    session_id: int, *, version: int, present: int | None = None, at: float | None = None
) -> None:
    session = VoteSession.objects.filter(pk=session_id).first()
    if session is None or session.workshop_id is None or session.state == SessionState.DRAFT:
        return
    data = snapshot(session, version=version, present=present, at=at, results=True)
    # A ballot committed just before the snapshot's read but counted just after it asks for
    # one more snapshot, identical to this one: with ballots in parallel that is common.
    # The room already has those figures, so only a change is sent.
    same = {key: value for key, value in data.items() if key not in {"at", "version"}}
    same["shown"] = (session.state, rules.results_revealed(session))
    digest = hashlib.blake2b(
        json.dumps(same, sort_keys=True, default=str).encode(), digest_size=16
    ).hexdigest()
    store = tallies.store
    digest_key = tallies.key(session_id, "digest")
    if store.get(digest_key) == digest:
        return
    store.set(digest_key, digest, VERSION_TTL)
    if rules.results_revealed(session):
        broadcast_on_commit(session.workshop_id, "vote.tally", data)
        return
    # « À la clôture »: the room sees the turnout only; facilitators follow the results.
    turnout_only = {key: value for key, value in data.items() if key != "results"}
    broadcast_on_commit(session.workshop_id, "vote.tally", turnout_only)
    broadcast_on_commit(session.workshop_id, "vote.tally", data, audience="facilitators")
