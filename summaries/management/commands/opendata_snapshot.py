"""Write today's open-data files (every dataset, CSV and JSON) into OPENDATA_SNAPSHOT_DIR.

The worker runs it nightly (ops/schedule.py): a harvester (data.gouv.fr) or a mirror
fetches fixed files instead of asking the site to compute the exports. Layout:
``<dir>/<YYYY-MM-DD>/agir-ensemble-<dataset>.<csv|json>`` and ``<dir>/latest`` (a link
to the newest day); days beyond OPENDATA_SNAPSHOT_KEEP are deleted. Each file is written
under a temporary name and renamed: a reader never sees half a file. Without
OPENDATA_SNAPSHOT_DIR it does nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from summaries import opendata


def write_snapshot(root: Path, *, keep: int) -> list[Path]:
    day = root / timezone.localdate().isoformat()
    day.mkdir(parents=True, exist_ok=True)
    written = []
    for dataset in opendata.DATASETS:
        if not dataset.available:
            continue
        for fmt, chunks in (("csv", opendata.iter_csv), ("json", opendata.iter_json)):
            target = day / f"agir-ensemble-{dataset.slug}.{fmt}"
            partial = target.with_name(target.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as out:
                for chunk in chunks(dataset):
                    out.write(chunk)
            os.replace(partial, target)
            written.append(target)
    latest = root / "latest"
    tmp_link = root / ".latest.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(day.name)
    os.replace(tmp_link, latest)
    days = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    for old in days[:-keep]:
        shutil.rmtree(old)
    return written


class Command(BaseCommand):
    help = "Écrit les fichiers de données ouvertes du jour dans OPENDATA_SNAPSHOT_DIR."

    def handle(self, *args, **options) -> None:
        if not settings.OPENDATA_SNAPSHOT_DIR:
            self.stdout.write("OPENDATA_SNAPSHOT_DIR non défini : rien à écrire.")
            return
        written = write_snapshot(
            Path(settings.OPENDATA_SNAPSHOT_DIR), keep=max(1, settings.OPENDATA_SNAPSHOT_KEEP)
        )
        self.stdout.write(f"{len(written)} fichier(s) écrit(s).")
