from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decisions.indicators import (
    Point,
    TrendStatus,
    compute_trend,
    expected_progress_on,
    linear_projection,
    progress_toward,
)


def test_progress_up_is_the_share_of_the_way_covered():
    assert progress_toward(
        baseline=Decimal(10), latest=Decimal(15), target=Decimal(30), direction="up"
    ) == pytest.approx(25)


def test_progress_down_counts_a_fall_as_progress():
    # Unemployment 9.5 % → target 7 %: at 8.25 % half of the way is done.
    assert progress_toward(
        baseline=Decimal("9.5"), latest=Decimal("8.25"), target=Decimal(7), direction="down"
    ) == pytest.approx(50)


def test_progress_down_is_negative_when_the_value_rises():
    assert progress_toward(
        baseline=Decimal("9.5"), latest=Decimal(10), target=Decimal(7), direction="down"
    ) == pytest.approx(-20)


def test_progress_is_undefined_when_the_target_is_not_better_than_the_baseline():
    assert (
        progress_toward(baseline=Decimal(10), latest=Decimal(12), target=Decimal(8), direction="up")
        is None
    )
    assert (
        progress_toward(
            baseline=Decimal(10), latest=Decimal(12), target=Decimal(10), direction="up"
        )
        is None
    )


def test_expected_progress_is_linear_in_time_and_clamped():
    start = date(2020, 12, 31)
    assert expected_progress_on(start=start, today=date(2025, 12, 31)) == pytest.approx(50, abs=0.1)
    assert expected_progress_on(start=start, today=date(2019, 1, 1)) == 0
    assert expected_progress_on(start=start, today=date(2040, 1, 1)) == 100


def test_projection_extends_the_least_squares_line():
    points = [Point(date(2022, 1, 1), Decimal(10)), Point(date(2024, 1, 1), Decimal(20))]
    # +5 a year: 2030-01-01 is 8 years after 2022-01-01 → 50.
    assert linear_projection(points, on=date(2030, 1, 1)) == pytest.approx(50, rel=0.01)
    assert linear_projection(points[:1]) is None


def _trend(
    values, *, target=Decimal(100), direction="up", today=date(2026, 1, 1), baseline=Decimal(0)
):
    return compute_trend(
        measurements=[Point(d, Decimal(v)) for d, v in values],
        baseline_value=baseline,
        baseline_date=date(2020, 12, 31),
        target=target,
        direction=direction,
        today=today,
    )


def test_trend_statuses():
    assert _trend([]).status == TrendStatus.NO_DATA
    assert _trend([(date(2025, 6, 1), 100)]).status == TrendStatus.REACHED
    assert _trend([(date(2025, 6, 1), 60)]).status == TrendStatus.ON_TRACK  # ~50 % expected
    assert _trend([(date(2025, 6, 1), 20)]).status == TrendStatus.BEHIND
    assert _trend([(date(2025, 6, 1), -5)]).status == TrendStatus.WRONG_WAY
    assert _trend([(date(2025, 6, 1), 5)], target=None).status == TrendStatus.NO_TARGET


def test_trend_for_a_falling_indicator_uses_its_direction():
    trend = _trend(
        [(date(2025, 12, 31), Decimal("8"))],
        baseline=Decimal("9.5"),
        target=Decimal(7),
        direction="down",
    )
    assert trend.progress == pytest.approx(60)
    assert trend.status == TrendStatus.ON_TRACK
    assert trend.latest.value == Decimal(8)


def test_trend_without_baseline_starts_from_the_first_measurement():
    trend = compute_trend(
        measurements=[Point(date(2023, 1, 1), Decimal(10)), Point(date(2024, 1, 1), Decimal(20))],
        baseline_value=None,
        baseline_date=None,
        target=Decimal(60),
        direction="up",
        today=date(2024, 1, 2),
    )
    assert trend.baseline.value == 10
    assert trend.progress == pytest.approx(20)


@given(
    baseline=st.integers(-1000, 1000),
    gap=st.integers(1, 1000),
    latest=st.integers(-3000, 3000),
)
def test_progress_is_symmetric_between_up_and_down(baseline, gap, latest):
    up = progress_toward(
        baseline=Decimal(baseline),
        latest=Decimal(latest),
        target=Decimal(baseline + gap),
        direction="up",
    )
    # Mirror everything: the same situation seen as a quantity that must fall.
    down = progress_toward(
        baseline=Decimal(-baseline),
        latest=Decimal(-latest),
        target=Decimal(-baseline - gap),
        direction="down",
    )
    assert up == pytest.approx(down)
    assert (up >= 100) == (latest >= baseline + gap)
