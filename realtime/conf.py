"""Limits and timings of the live rooms (settings override the defaults; tests shorten them)."""

from __future__ import annotations

from django.conf import settings

from project.env import envint, envstr

_DEFAULTS = {
    # Largest client frame accepted, in characters.
    "REALTIME_MAX_FRAME": 8 * 1024,
    # Token bucket per connection: sustained messages per second, and burst.
    "REALTIME_RATE_PER_SECOND": 5,
    "REALTIME_RATE_BURST": 15,
    # Actions of one connection accepted at once (the running one and those waiting behind
    # it, run in order); beyond, the action is answered with an error « busy » to retry.
    "REALTIME_ACTIONS_IN_FLIGHT": 4,
    # Ideas a participant may post per minute (across processes: counted in the cache).
    "REALTIME_IDEAS_PER_MINUTE": 6,
    # A client further behind than this is told to resync instead of replaying.
    "REALTIME_REPLAY_MAX": 500,
    # Frames waiting for a slow client before it is disconnected (it resumes by replay).
    "REALTIME_CLIENT_QUEUE": 256,
    # Presence: an entry lives this long unless its connection refreshes it.
    "REALTIME_PRESENCE_TTL": 60,
    "REALTIME_PRESENCE_HEARTBEAT": 20,
    # How long an out-of-order event waits for the missing ones before they are read from the DB.
    "REALTIME_GAP_WAIT_MS": 250,
    # How often a room checks the database for events the channel layer did not bring.
    "REALTIME_RECONCILE_SECONDS": 5,
    # prune_room_events: events kept per room, counted among those the whole room sees
    # (never fewer than REALTIME_REPLAY_MAX + 1: with that many newer events kept, a client
    # that needed a pruned one has more than REALTIME_REPLAY_MAX to replay and is told to
    # resync, as it would have been before the pruning). Raising REALTIME_REPLAY_MAX above
    # what was kept makes replays after a pruned gap incomplete: raise this first.
    "REALTIME_EVENTS_KEEP": 1000,
    # ... and an event younger than this is never pruned (a hub filling a gap reads it).
    "REALTIME_EVENTS_MIN_AGE_HOURS": 24,
}


def get(name: str) -> int:
    if hasattr(settings, name):
        return getattr(settings, name)
    return envint(name, _DEFAULTS[name])


def key_prefix() -> str:
    """Prefix of the Redis keys of presence (shared by every process of a deployment)."""
    return getattr(settings, "REALTIME_KEY_PREFIX", None) or envstr(
        "REALTIME_KEY_PREFIX", "agir:rt"
    )
