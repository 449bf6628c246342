"""Exports stream in constant memory: 10,000 proposals cost what 2,500 cost.

tracemalloc measures the peak of Python allocations while a whole export is
read (and thrown away, as a client would write it to disk). Not a timing.
bench/exports.py prints the same figures for larger sizes.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from accounts.models import College
from proposals.models import Axis, Proposal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _add_proposals(n: int, *, author, axis) -> None:
    Proposal.objects.bulk_create(
        [
            Proposal(
                axis=axis,
                title=f"Proposition numéro {i} pour le Pays de Montbéliard",
                body="",
                author=author,
                author_college=College.CITIZENS,
                support_count=i % 50,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


def _export_peak(client, path: str) -> tuple[int, int]:
    """(peak bytes allocated while streaming the export, bytes streamed)."""
    response = client.get(path)
    gc.collect()
    tracemalloc.start()
    try:
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_memory_does_not_grow_with_the_number_of_rows(client, fmt):
    author = UserFactory()
    axis = Axis.objects.get(slug="filieres-avenir")
    path = f"/donnees/propositions.{fmt}"

    _export_peak(client, path)  # warm-up: one-time imports and caches are not the export's
    _add_proposals(2_500, author=author, axis=axis)
    peak_small, size_small = _export_peak(client, path)
    _add_proposals(7_500, author=author, axis=axis)
    peak_big, size_big = _export_peak(client, path)

    assert Proposal.objects.count() == 10_000
    assert size_big > 3.5 * size_small  # four times the rows really went out
    # Constant memory: the peak is one fetch chunk, whatever the number of rows
    # (a list of 10,000 rows would be about four times the small peak).
    print(
        f"{fmt}: 2,500 rows peak {peak_small} B; 10,000 rows peak {peak_big} B, {size_big} B sent"
    )
    assert peak_big < 1.3 * peak_small, (peak_small, peak_big)
