"""Snapshots of a server process's Python allocations, to find what grows in a soak.

``start(directory, every)`` (called from ``bench.layer_settings`` when
``BENCH_TRACEMALLOC`` is set) starts ``tracemalloc`` with 25 frames and a daemon
thread that writes ``<directory>/<pid>-<n>.snap`` every ``every`` seconds.
``python -m bench.memtrace A.snap B.snap`` prints what grew from A to B, grouped
by traceback (the top 15), with a few lines of each traceback.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
import tracemalloc


def start(directory: str, every: float) -> None:
    os.makedirs(directory, exist_ok=True)
    tracemalloc.start(25)
    pid = os.getpid()

    def dump() -> None:
        n = 0
        while True:
            time.sleep(every)
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)]
            )
            snapshot.dump(os.path.join(directory, f"{pid}-{n:03d}.snap"))
            n += 1

    threading.Thread(target=dump, name="memtrace", daemon=True).start()


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def malloc_census() -> dict:
    """glibc's heap (``mallinfo2``: in use vs free in its arenas), Python's blocks and
    objects, threads: a leak grows ``in_use``; fragmentation grows ``free`` and RSS."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    with open(f"/proc/{os.getpid()}/statm") as statm:
        rss_pages = int(statm.read().split()[1])
    return {
        "rss_mb": round(rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1),
        "malloc_arena_mb": round(info.arena / 2**20, 1),
        "malloc_mmap_mb": round(info.hblkhd / 2**20, 1),
        "malloc_in_use_mb": round(info.uordblks / 2**20, 1),
        "malloc_free_mb": round(info.fordblks / 2**20, 1),
        "python_blocks": sys.getallocatedblocks(),
        "python_objects": len(gc.get_objects()),
        "threads": threading.active_count(),
    }


def start_census(path: str, every: float) -> None:
    """Append ``malloc_census()`` of this process as a JSON line to ``path`` every ``every`` s."""
    pid, started = os.getpid(), time.monotonic()

    def log() -> None:
        while True:
            time.sleep(every)
            line = {"pid": pid, "t_s": round(time.monotonic() - started), **malloc_census()}
            with open(path, "a") as out:
                out.write(json.dumps(line) + "\n")

    threading.Thread(target=log, name="malloc-census", daemon=True).start()


def compare(before: str, after: str, top: int = 15, frames: int = 8) -> None:
    old = tracemalloc.Snapshot.load(before)
    new = tracemalloc.Snapshot.load(after)
    total_old = sum(s.size for s in old.statistics("filename"))
    total_new = sum(s.size for s in new.statistics("filename"))
    print(f"traced: {total_old / 1e6:.2f} MB -> {total_new / 1e6:.2f} MB")
    for stat in new.compare_to(old, "traceback")[:top]:
        print(
            f"\n+{stat.size_diff / 1024:.1f} KiB ({stat.count_diff:+d} blocks),"
            f" now {stat.size / 1024:.1f} KiB in {stat.count} blocks"
        )
        for line in stat.traceback.format(limit=frames, most_recent_first=True):
            print("   ", line)


if __name__ == "__main__":
    compare(*sys.argv[1:3])
