"""Indicator trend maths: progress toward the 2030 target, respecting the good direction.

Pure functions on plain values (no database), so they can be tested exhaustively.

- *progress* is the share of the way from the baseline to the target already
  covered by the latest value: 0 % at the baseline, 100 % at the target,
  negative when the value moved the wrong way, above 100 % past the target.
  The direction (up or down is good) decides what "the right way" is.
- *expected progress* is where a straight line from the baseline date to the
  target date would be today; an indicator is "on track" when its progress
  is at least that.
- the *projection* extends the least-squares line through the measurements to
  the target date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

TARGET_DATE = date(2030, 12, 31)


class TrendStatus:
    NO_DATA = "no_data"
    NO_TARGET = "no_target"
    REACHED = "reached"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    WRONG_WAY = "wrong_way"


@dataclass(frozen=True)
class Point:
    date: date
    value: Decimal


@dataclass(frozen=True)
class Trend:
    baseline: Point | None
    latest: Point | None
    target: Decimal | None
    direction: str
    progress: float | None  # percentage, may be < 0 or > 100
    expected_progress: float | None
    projected_value: float | None
    status: str

    @property
    def progress_clamped(self) -> int:
        """For a progress bar: 0–100."""
        if self.progress is None:
            return 0
        return max(0, min(100, round(self.progress)))


def _sign(direction: str) -> int:
    return -1 if direction == "down" else 1


def progress_toward(
    *, baseline: Decimal, latest: Decimal, target: Decimal, direction: str
) -> float | None:
    """Percentage of the way from baseline to target covered by latest (None if undefined).

    Undefined when the target is not "better" than the baseline in the good
    direction (there is no way to go).
    """
    sign = _sign(direction)
    needed = (target - baseline) * sign
    if needed <= 0:
        return None
    gained = (latest - baseline) * sign
    return float(gained / needed * 100)


def expected_progress_on(*, start: date, today: date, end: date = TARGET_DATE) -> float | None:
    """Where a straight line from start (0 %) to end (100 %) stands on ``today``."""
    total = (end - start).days
    if total <= 0:
        return None
    elapsed = (today - start).days
    return max(0.0, min(100.0, elapsed / total * 100))


def linear_projection(points: list[Point], on: date = TARGET_DATE) -> float | None:
    """Least-squares line through the points, evaluated on ``on`` (None with fewer than 2 dates)."""
    if len({p.date for p in points}) < 2:
        return None
    xs = [p.date.toordinal() for p in points]
    ys = [float(p.value) for p in points]
    n = len(points)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    return mean_y + slope * (on.toordinal() - mean_x)


def compute_trend(
    *,
    measurements: list[Point],
    baseline_value: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    direction: str,
    today: date,
) -> Trend:
    """Everything the indicator page and the dashboard show about one indicator."""
    points = sorted(measurements, key=lambda p: p.date)
    latest = points[-1] if points else None
    if baseline_value is not None:
        baseline_start = baseline_date or (points[0].date if points else None)
        baseline = Point(baseline_start, baseline_value) if baseline_start else None
    else:
        baseline = points[0] if points else None
    if latest is None:
        status = TrendStatus.NO_DATA
        return Trend(baseline, None, target, direction, None, None, None, status)

    series = points
    if baseline is not None and all(p.date != baseline.date for p in points):
        series = [baseline, *points]
    projected = linear_projection(series)

    if target is None or baseline is None:
        return Trend(
            baseline, latest, target, direction, None, None, projected, TrendStatus.NO_TARGET
        )

    progress = progress_toward(
        baseline=baseline.value, latest=latest.value, target=target, direction=direction
    )
    expected = expected_progress_on(start=baseline.date, today=today)
    if progress is None:
        status = TrendStatus.NO_TARGET
    elif progress >= 100:
        status = TrendStatus.REACHED
    elif progress < 0:
        status = TrendStatus.WRONG_WAY
    elif expected is not None and progress + 1e-9 < expected:
        status = TrendStatus.BEHIND
    else:
        status = TrendStatus.ON_TRACK
    return Trend(baseline, latest, target, direction, progress, expected, projected, status)
