"""Server-rendered SVG charts: geometry computed here, markup in templates.

Every chart is drawn by a template from these plain numbers, with a title, a
description and a data table next to it (the text alternative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from decisions.indicators import TARGET_DATE, Point, Trend

WIDTH = 640
HEIGHT = 300
PAD_LEFT = 64
PAD_RIGHT = 24
PAD_TOP = 20
PAD_BOTTOM = 40


@dataclass
class LineChart:
    width: int
    height: int
    points: list[tuple[float, float, Point]]
    polyline: str
    baseline: tuple[float, float] | None
    target_y: float | None
    projection: tuple[float, float, float, float] | None
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    plot_left: int = PAD_LEFT
    plot_right: int = WIDTH - PAD_RIGHT
    plot_top: int = PAD_TOP
    plot_bottom: int = HEIGHT - PAD_BOTTOM


def _fmt(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):n}".replace(",", " ")
    return f"{value:.1f}".replace(".", ",")


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for m in (1, 2, 2.5, 5, 10):
        if magnitude * m >= raw:
            step = magnitude * m
            break
    value = math.floor(low / step) * step
    ticks = []
    while value <= high + step * 0.001:
        ticks.append(round(value, 6))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 6))
    return ticks


def indicator_line_chart(trend: Trend, points: list[Point]) -> LineChart | None:
    """Measurements as a line, the baseline, the 2030 target as a dashed line, the projection."""
    series = sorted(points, key=lambda p: p.date)
    if trend.baseline and all(p.date != trend.baseline.date for p in series):
        series = [trend.baseline, *series]
        series.sort(key=lambda p: p.date)
    if not series:
        return None
    start = min(p.date for p in series)
    end = TARGET_DATE if trend.target is not None else max(p.date for p in series)
    if end <= start:
        end = date(start.year + 1, start.month, 1)
    values = [float(p.value) for p in series]
    if trend.target is not None:
        values.append(float(trend.target))
    if trend.projected_value is not None:
        values.append(trend.projected_value)
    low, high = min(values), max(values)
    if low > 0 and low < high * 0.5:
        low = 0.0
    ticks = _nice_ticks(low, high)
    low, high = min(ticks[0], low), max(ticks[-1], high)
    span_days = (end - start).days or 1
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(d: date) -> float:
        return round(PAD_LEFT + (d - start).days / span_days * plot_w, 1)

    def y(v: float) -> float:
        return round(PAD_TOP + (1 - (v - low) / ((high - low) or 1)) * plot_h, 1)

    measured = sorted(points, key=lambda p: p.date)
    coords = [(x(p.date), y(float(p.value)), p) for p in measured]
    polyline = " ".join(f"{cx},{cy}" for cx, cy, _p in coords)
    baseline = (x(trend.baseline.date), y(float(trend.baseline.value))) if trend.baseline else None
    target_y = y(float(trend.target)) if trend.target is not None else None
    projection = None
    if trend.projected_value is not None and trend.latest is not None and trend.target is not None:
        projection = (
            x(trend.latest.date),
            y(float(trend.latest.value)),
            x(TARGET_DATE),
            y(trend.projected_value),
        )
    years = list(range(start.year + (1 if start.month > 1 or start.day > 1 else 0), end.year + 1))
    if len(years) > 8:
        years = years[:: max(1, len(years) // 6)]
    x_ticks = [(x(date(year, 1, 1)), str(year)) for year in years]
    y_ticks = [(y(t), _fmt(t)) for t in ticks]
    return LineChart(
        WIDTH, HEIGHT, coords, polyline, baseline, target_y, projection, y_ticks, x_ticks
    )
