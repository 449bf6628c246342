"""Server-rendered SVG charts of vote results: the same markup on pages, the projector and PDFs.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
summing it up; the page always shows the full numbers in a table next to it
(the text alternative). Colours come from CSS classes in ``votes.css`` so the
strict CSP (no inline style) holds, with fills also set as attributes so the
SVG renders alone (PDF, image export).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from project.typography import label_value
from votes.models import MJ_GRADE_LABELS

WIDTH = 480  # narrow enough to stay legible on a phone; vector, so it scales up on a projector
LABEL_MAX = 52

# Worst → best: red to green through neutral, distinguishable without colour
# by position (the order never changes) and labelled in the legend and table.
GRADE_FILLS = ["#8e1b1b", "#c0392b", "#e07b39", "#d9c37a", "#8cc084", "#3f9a53", "#1b6b35"]
BAR_FILL = "#1d4e89"


def _truncate(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: int, title: str, desc: str, body: list[str], css: str) -> SafeString:
    return format_html(
        '<svg class="vote-chart {}" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-t {}-d" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        css,
        WIDTH,
        height,
        css,
        css,
        css,
        title,
        css,
        desc,
        mark_safe("".join(body)),  # noqa: S308 - every piece below is built with format_html
    )


def bars_svg(options: Sequence[dict[str, Any]], *, unit: str, chart_id: str = "bars") -> SafeString:
    """Horizontal bars, best first: label above, bar, count at its end."""
    row = 46
    height = max(row * len(options) + 8, 40)
    top = max((o["count"] for o in options), default=0) or 1
    body: list[str] = []
    for i, option in enumerate(options):
        y = 8 + i * row
        width = round((WIDTH - 80) * option["count"] / top, 1)
        body.append(
            format_html(
                '<text x="0" y="{}" font-size="14" fill="#1a1a1a">{}. {}</text>'
                '<rect class="vote-chart__bar" x="0" y="{}" width="{}" height="18" rx="3" fill="{}"/>'
                '<text x="{}" y="{}" font-size="14" font-weight="700" fill="#1a1a1a">{}</text>',
                y + 12,
                option["rank"],
                _truncate(option["label"]),
                y + 18,
                max(width, 2),
                BAR_FILL,
                max(width, 2) + 6,
                y + 32,
                option["count"],
            )
        )
    desc = "; ".join(label_value(o["label"], f"{o['count']} {unit}") for o in options) or _(
        "Aucun vote."
    )
    return _svg(height, _("Résultats en barres"), desc, body, chart_id)


def _merit_legend() -> list[str]:
    """The grades' colours, best first, four to a line."""
    legend = []
    for j, grade in enumerate(range(6, -1, -1)):
        x = (j % 4) * 120
        y = 4 + (j // 4) * 22
        legend.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="14" fill="{}"/>'
                '<text x="{}" y="{}" font-size="13" fill="#1a1a1a">{}</text>',
                x,
                y,
                GRADE_FILLS[grade],
                x + 20,
                y + 12,
                str(MJ_GRADE_LABELS[grade]),
            )
        )
    return legend


def _merit_bar(option: dict[str, Any], y: int, inner: float) -> list[str]:
    """One option's line: its rank, label and majority grade, then its stacked profile."""
    total = sum(option["profile"]) or 1
    parts = [
        format_html(
            '<text x="0" y="{}" font-size="14" fill="#1a1a1a">{}. {} — {}</text>',
            y + 13,
            option["rank"],
            _truncate(option["label"], 38),
            option["majority_grade_label"],
        )
    ]
    x = 1.0
    for grade in range(6, -1, -1):
        count = option["profile"][grade]
        if not count:
            continue
        w = inner * count / total
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="22" fill="{}"><title>{}</title></rect>',
                round(x, 2),
                y + 19,
                round(w, 2),
                GRADE_FILLS[grade],
                label_value(MJ_GRADE_LABELS[grade], count),
            )
        )
        x += w
    return parts


def merit_svg(options: Sequence[dict[str, Any]], *, chart_id: str = "merit") -> SafeString:
    """Merit profiles: a stacked bar per option, best grades on the left, with the median line."""
    row = 50
    legend_h = 52
    height = legend_h + row * len(options) + 8
    inner = WIDTH - 2
    body: list[str] = _merit_legend()
    for i, option in enumerate(options):
        body.extend(_merit_bar(option, legend_h + i * row, inner))
    # The median line, over each bar: half of the voters are on each side of it.
    for i in range(len(options)):
        y = legend_h + i * row
        body.append(
            format_html(
                '<line class="vote-chart__median" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#000" '
                'stroke-width="2" stroke-dasharray="4 3"/>',
                WIDTH / 2,
                WIDTH / 2,
                y + 16,
                y + 44,
            )
        )
    body.append(
        format_html(
            '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="#1a1a1a">{}</text>',
            WIDTH / 2,
            height + 10,
            _("médiane"),
        )
    )
    desc = "; ".join(
        label_value(
            f"{o['rank']}. {o['label']}",
            # Translators: the median grade of an option in a majority judgment vote.
            _("mention majoritaire %(grade)s") % {"grade": o["majority_grade_label"]},
        )
        for o in options
    ) or _("Aucun vote.")
    return _svg(height + 16, _("Profils de mérite"), desc, body, chart_id)


def cloud_svg(words: Sequence[dict[str, Any]], *, chart_id: str = "cloud") -> SafeString:
    """A word cloud laid out in centred lines, the most frequent words in the middle lines."""
    sizes = {1: 14, 2: 18, 3: 24, 4: 32, 5: 42}
    # Order: biggest in the middle — alternate placing words before and after.
    ordered: list[dict[str, Any]] = []
    for i, word in enumerate(words):
        if i % 2:
            ordered.append(word)
        else:
            ordered.insert(0, word)
    lines: list[list[tuple[dict[str, Any], int, float]]] = [[]]
    used = 0.0
    for word in ordered:
        size = sizes[word["weight"]]
        w = len(word["word"]) * size * 0.6 + 16
        if lines[-1] and used + w > WIDTH:
            lines.append([])
            used = 0.0
        lines[-1].append((word, size, w))
        used += w
    body: list[str] = []
    y = 0
    palette = ["#1d4e89", "#2d6a2e", "#7b2d7f", "#a33b20", "#0f6b6b"]
    for line in lines:
        if not line:
            continue
        line_h = max(size for _w, size, _ww in line) + 10
        y += line_h
        x = (WIDTH - sum(ww for _w, _s, ww in line)) / 2
        for word, size, w in line:
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="{}" font-weight="{}" fill="{}">{}<title>{}</title></text>',
                    round(x + 8, 1),
                    y - 6,
                    size,
                    700 if word["weight"] >= 4 else 400,
                    palette[len(word["word"]) % len(palette)],
                    word["word"],
                    label_value(word["word"], word["count"]),
                )
            )
            x += w
    desc = ", ".join(f"{w['word']} ({w['count']})" for w in words) or _("Aucune réponse.")
    return _svg(max(y + 8, 40), _("Nuage de mots"), desc, body, chart_id)


def results_svg(results: dict[str, Any], *, chart_id: str = "vote") -> SafeString:
    method = results["method"]
    if method == "majority_judgment":
        return merit_svg(results["options"], chart_id=chart_id)
    if method == "open_question":
        return cloud_svg(results["words"], chart_id=chart_id)
    unit = _("gommettes") if method == "dots" else _("voix")
    return bars_svg(results["options"], unit=unit, chart_id=chart_id)


# --- The same results as HTML (the stage, the room on a phone): text sized and themed by CSS ---


def result_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The results as the stage draws them in HTML (its text themed and sized by CSS):
    for each option, its bar (share of the best, in %) or its merit profile (segments best
    grade first, with their offset and width in %)."""
    rows = []
    if results["method"] == "majority_judgment":
        for option in results["options"]:
            total = sum(option["profile"]) or 1
            x = 0.0
            segments = []
            for grade in range(6, -1, -1):
                count = option["profile"][grade]
                if count:
                    width = 100 * count / total
                    segments.append(
                        {
                            "grade": grade,
                            "label": str(MJ_GRADE_LABELS[grade]),
                            "count": count,
                            "x": round(x, 2),
                            "width": round(width, 2),
                        }
                    )
                    x += width
            rows.append({**option, "segments": segments})
        return rows
    top = max((o["count"] for o in results["options"]), default=0) or 1
    for option in results["options"]:
        rows.append({**option, "bar": round(100 * option["count"] / top, 2)})
    return rows


def cloud_order(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The words, most frequent in the middle of the cloud and the rarer ones around it."""
    ordered: list[dict[str, Any]] = []
    for i, word in enumerate(words):
        if i % 2:
            ordered.insert(0, word)
        else:
            ordered.append(word)
    return ordered
