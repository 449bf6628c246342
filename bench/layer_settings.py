"""Settings of a benchmark server: the test settings, with this run's own names in Redis.

Redis pub/sub is server-wide (it ignores the database number), and room groups are
named after workshop ids, which restart at 1 in every database: two benchmarks on
the pub/sub layer at the same time, or a benchmark and a test run, would hear each
other's rooms. ``BENCH_LAYER_PREFIX`` (set by ``bench.room.layer_env``, one value per
run, shared by the run's worker processes) prefixes the channel layer's names, the
presence keys and the cache keys, so that a run hears only itself. Without it these
are the test settings, on Redis as in memory.

Log lines carry their level and logger (the test settings print the bare message), so
that ``bench.soak`` and ``bench.storm`` can count the server's warnings, and the two
loggers that report lost layer messages speak from INFO up.
"""

from __future__ import annotations

import os
import sys

from project.settings_test import *  # noqa: F403
from project.settings_test import CACHES, CHANNEL_LAYERS, LOGGING

LOGGING = {
    **LOGGING,
    "formatters": {"levelled": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "levelled"}},
    "loggers": {
        **LOGGING.get("loggers", {}),
        # channels_redis says at INFO level that a group_send dropped messages
        # ("N of M channels over capacity"); the hub, that it read from the database
        # events the layer had not brought (yet). Both are what a soak looks for.
        "channels_redis": {"level": "INFO"},
        "realtime.hub": {"level": "INFO"},
    },
}

_prefix = os.environ.get("BENCH_LAYER_PREFIX", "")
if _prefix:
    if CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis"):
        CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = _prefix
    # Shared by the run's worker processes (the test settings use one prefix per process).
    if "KEY_PREFIX" in CACHES["default"]:
        CACHES["default"]["KEY_PREFIX"] = _prefix
    REALTIME_KEY_PREFIX = f"{_prefix}:rt"

# ``BENCH_TRACEMALLOC=<dir>``: each server process (uvicorn's, not the benchmark's own
# client process, which reads these settings too) traces its Python allocations and
# writes a snapshot to ``<dir>/<pid>-<n>.snap`` every ``BENCH_TRACEMALLOC_EVERY`` seconds
# (default 60), to see what grows during a soak (``python -m bench.memtrace A B``).
_trace_dir = os.environ.get("BENCH_TRACEMALLOC", "")
if _trace_dir and os.path.basename(os.path.dirname(sys.argv[0])) == "uvicorn":
    from bench.memtrace import start as _start_memtrace

    _start_memtrace(_trace_dir, float(os.environ.get("BENCH_TRACEMALLOC_EVERY", "60")))
# ``BENCH_MALLOC_CENSUS=<file>``: each server process appends its glibc heap figures (in use
# and free), Python's block and object counts and its thread count to ``<file>`` (a JSON line
# every 30 s): tells a leak from fragmentation, without tracemalloc's overhead.
_census_path = os.environ.get("BENCH_MALLOC_CENSUS", "")
if _census_path and os.path.basename(os.path.dirname(sys.argv[0])) == "uvicorn":
    from bench.memtrace import start_census as _start_census

    _start_census(_census_path, 30)
