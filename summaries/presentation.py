"""What the page, the PDF, the feed and the e-mails show of a summary: the same document for all.

``summary_document`` turns a draft or a published version (both carry a
title, the editor's HTML, the section order and the generated data) into
the context the templates render. ``version_text`` is its plain-text
rendering, used to show what changed between two versions.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.models import College
from summaries.models import Scope, SectionKey, section_label
from votes.selectors import college_label as votes_college_label

COLLEGE_LABELS = dict(College.choices)
ATTENDANCE_KEYS = ("on_site", "online")


@dataclass
class Section:
    key: str
    label: str
    number: int
    note_html: str
    data: dict
    charts: dict[str, SafeString] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"section-{self.key}"


def college_label(code: str) -> str:
    return str(COLLEGE_LABELS.get(code) or votes_college_label(code))


def bar_chart_svg(rows: list[tuple[str, int]], *, title: str, color: str = "#1d4e89") -> SafeString:
    """A horizontal bar chart as inline SVG (page and PDF alike); the table next to it is its text alternative."""
    if not rows:
        return SafeString("")
    bar_height, gap, label_width, width = 22, 8, 190, 560
    top = 6
    height = top + len(rows) * (bar_height + gap)
    biggest = max(value for _label, value in rows) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        w = round((width - label_width - 50) * value / biggest)
        bars.append(
            (
                y + bar_height * 0.7,
                label,
                label_width,
                y,
                max(w, 1),
                bar_height,
                color,
                label_width + max(w, 1) + 6,
                y + bar_height * 0.7,
                value,
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
        '<text x="{}" y="{}" class="chart-value">{}</text>',
        bars,
    )
    return format_html(
        '<svg class="summary-chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif" '
        'font-size="12"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        title,
        title,
        body,
    )


def _charts(key: str, data: dict) -> dict[str, SafeString]:
    if not data.get("available"):
        return {}
    if key == "participation":
        return {
            "by_college": bar_chart_svg(
                [(college_label(r["college"]), r["total"]) for r in data["by_college"]],
                title=str(translation.gettext("Participant·es par collège")),
            )
        }
    if key == "ideas":
        return {
            "by_axis": bar_chart_svg(
                [(r["axis_title"], r["total"]) for r in data["by_axis"]],
                title=str(translation.gettext("Idées par axe")),
                color="#2f7d4f",
            )
        }
    return {}


def summary_document(source: Any) -> dict:
    """The template context of a draft (``DecisionSummary``) or a version (``SummaryVersion``)."""
    data = source.data or {}
    kind = data.get("scope", {}).get("kind", Scope.WORKSHOP)
    sections = []
    for spec in source.sections or []:
        if not spec.get("shown", True) or spec["key"] not in SectionKey.values:
            continue
        section_data = data.get(spec["key"], {}) or {}
        sections.append(
            Section(
                key=spec["key"],
                label=section_label(spec["key"], kind),
                number=len(sections) + 1,
                note_html=spec.get("note_html", ""),
                data=section_data,
                charts=_charts(spec["key"], section_data),
            )
        )
    return {
        "doc_title": source.title,
        "intro_html": source.intro_html,
        "sections": sections,
        "scope": data.get("scope", {}),
        "generated_at": data.get("generated_at"),
        "colleges": [(code, str(label)) for code, label in College.choices],
    }


def version_text(source: Any) -> str:
    """Plain text of the whole document (French), one fact per line: diffs read well."""
    with translation.override("fr"):
        text = render_to_string("summaries/summary.txt", summary_document(source))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


@dataclass
class DiffBlock:
    op: str  # "same", "added", "removed"
    lines: list[str]
    skipped: int = 0
    tail: list[str] = field(default_factory=list)


def versions_diff(old_text: str, new_text: str, *, context: int = 2) -> list[DiffBlock]:
    """Line diff of two versions, unchanged runs cut down to a little context."""
    old, new = old_text.splitlines(), new_text.splitlines()
    blocks: list[DiffBlock] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            same = old[i1:i2]
            if len(same) > 2 * context + 1:
                head = same[:context] if blocks else []
                tail = same[-context:] if i2 < len(old) or j2 < len(new) else []
                blocks.append(
                    DiffBlock("same", head, skipped=len(same) - len(head) - len(tail), tail=tail)
                )
            else:
                blocks.append(DiffBlock("same", same))
            continue
        if i2 > i1:
            blocks.append(DiffBlock("removed", old[i1:i2]))
        if j2 > j1:
            blocks.append(DiffBlock("added", new[j1:j2]))
    return blocks
