"""The trace page, its SVG diagram and its full list (CSV), from a ``decisions.trace.Trace``.

A trace may have tens of thousands of sources: the page gives a summary (the sources counted
by kind and by college, the most supported ones), then the source proposals ``PAGE_SIZE``
at a time (``?page=N``, plain links: no script needed) and the workshops at the origin of
the most of them; the full list of every source is a CSV streamed on demand. Each row shown
is prepared here once, as plain values, so the template loops over strings without calling
methods, filters or includes per row.
"""

from __future__ import annotations

import csv
import heapq
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from decisions.trace import Contributions, Trace, TraceProposal, hidden_label
from decisions.trace_diagram import MAX_NODES, trace_diagram
from decisions.trace_sql import build_trace_page

PAGE_SIZE = 50  # source proposals per page
TOP_SOURCES = 5  # « les plus soutenues », shown when the proposals take several pages
WORKSHOPS_SHOWN = 12  # beyond that, the ones at the origin of the most proposals
GROUP_IDEAS_SHOWN = 20  # ideas listed under each group of ideas
SUMMARY_FROM = 10  # sources from which the page opens with the counts by kind and college
# A spreadsheet runs a cell starting with one of these as a formula (as summaries.opendata).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def diagram_labels() -> dict[str, str]:
    return {
        "sources": _("Ateliers, votes, affirmations"),
        "proposals": _("Propositions"),
        "recommendation": _("Recommandation"),
        "actions": _("Actions"),
        "participants": _("participant·es : %(count)d"),
        "contributors": _("contributeur·rices : %(count)d"),
        # Lazy plurals keyed on "count": ``labels["merged"] % {"count": n}`` agrees with n.
        "merged": ngettext_lazy("%(count)d fusionnée", "%(count)d fusionnées", "count"),
        "vote": _("Session de vote"),
        "voters": _("vote · votant·es : %(count)d"),
        "statement": _("affirmation · votes : %(count)d"),
        "hidden": _("Proposition masquée"),
        "others": ngettext_lazy("+ %(count)d autre", "+ %(count)d autres", "count"),
        "in_text": _("détail dans le texte"),
    }


@dataclass
class Row:
    """A source proposal as the page shows it: every value already computed."""

    title: str
    url: str
    veiled: bool  # private or hidden: its label is in italics, never a link
    from_workshop: bool
    linked_by: str
    linked_at: str
    note: str
    contributors: str
    people: int
    merged: list[tuple[str, str, bool]]  # (title, url, veiled)


def _row(tp: TraceProposal, date_format: str) -> Row:
    link = tp.link
    merged = []
    for m in tp.merged:
        if m.is_private:
            merged.append((m.shown_title, "", True))
        elif m.is_hidden:
            merged.append((_("proposition masquée"), "", True))
        else:
            merged.append((m.title, m.get_absolute_url(), False))
    veiled = tp.is_private or tp.is_hidden
    return Row(
        title=tp.title if tp.is_private else (hidden_label() if tp.is_hidden else tp.title),
        url="" if veiled else tp.proposal.get_absolute_url(),
        veiled=veiled,
        from_workshop=bool(tp.proposal.origin_workshop_id),
        linked_by=link.linked_by.public_name if link and link.linked_by else "—",
        linked_at=formats.date_format(link.linked_at, date_format) if link else "—",
        note=link.note if link else "",
        contributors=tp.contributors_summary,
        people=tp.contributors.people if tp.contributors else 0,
        merged=merged,
    )


def _page_links(number: int, count: int) -> list[int | None]:
    """Page numbers to link to: the first, the last, two either side of the current one;
    None where pages are skipped (« … »)."""
    shown = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    links: list[int | None] = []
    for n in shown:
        if links and n - (links[-1] or 0) > 1:
            links.append(None)
        links.append(n)
    return links


def page_context(trace: Trace, page) -> dict:
    """The page's context from ``build_trace_page``'s trace (``page``: its paginator's page):
    the summary, the page's source proposals, the workshops shown."""
    date_format = "DATE_FORMAT"
    counts = trace.counts
    rows = [_row(tp, date_format) for tp in trace.proposals]
    paginated = page.paginator.num_pages > 1
    top = [_row(tp, date_format) for tp in counts.top[:TOP_SOURCES]] if paginated else []

    workshops = trace.workshops  # those of the sources read and the most productive ones
    keep = heapq.nsmallest(
        WORKSHOPS_SHOWN, range(len(workshops)), key=lambda i: (-workshops[i].sources, i)
    )
    workshops = [workshops[i] for i in sorted(keep)]
    workshops_left_out = counts.workshops - len(workshops)

    groups = [
        (
            tg,
            [_row(tp, date_format) for tp in tg.proposals[:GROUP_IDEAS_SHOWN]],
            max(0, tg.size - GROUP_IDEAS_SHOWN),
        )
        for tg in trace.groups
    ]

    total = counts.proposals + len(trace.vote_sessions) + len(trace.statements)
    summary = None
    if total >= SUMMARY_FROM:
        kinds = [
            (_("Propositions sources"), counts.proposals),
            (_("… dont nées en atelier"), counts.born_in_room),
            (_("Propositions fusionnées qu'elles reprennent"), counts.merged),
            (_("Ateliers d'origine"), counts.workshops),
            (_("Groupes d'idées d'atelier"), len(trace.groups)),
            (_("Votes"), len(trace.vote_sessions)),
            (_("Affirmations de cartes des opinions"), len(trace.statements)),
        ]
        summary = {
            "kinds": [(label, n) for label, n in kinds if n],
            "authors": Contributions(counts.authors_by_college, counts.proposals),
        }
    return {
        "summary": summary,
        "page": page,
        "proposal_count": counts.proposals,
        "rows": rows,
        "paginated": paginated,
        "page_links": _page_links(page.number, page.paginator.num_pages) if paginated else [],
        "top": top,
        "workshops": workshops,
        "workshops_left_out": workshops_left_out,
        "groups": groups,
    }


def trace_page(request: HttpRequest, recommendation, *, action) -> HttpResponse:
    """The trace page of ``recommendation`` (focused on ``action`` when given): the counts
    over every source, the rows of one page (``?page=N``) read (``build_trace_page``)."""
    if action is not None:
        svg_url = reverse("decisions:action_trace_svg", args=[action.pk])
        csv_url = reverse("decisions:action_trace_csv", args=[action.pk])
    else:
        svg_url = reverse("decisions:recommendation_trace_svg", args=[recommendation.pk])
        csv_url = reverse("decisions:recommendation_trace_csv", args=[recommendation.pk])
    asked = request.GET.get("page") or ""
    trace = build_trace_page(
        recommendation,
        page_number=int(asked) if asked.isdigit() and 0 < int(asked) < 10**9 else 1,
        page_size=PAGE_SIZE,
        top=max(TOP_SOURCES, MAX_NODES),
        group_ideas=GROUP_IDEAS_SHOWN,
        workshops_shown=WORKSHOPS_SHOWN,
        actions=[action] if action is not None else None,
        focus_action=action,
    )
    paginator = Paginator(range(trace.counts.total), PAGE_SIZE, allow_empty_first_page=True)
    page = paginator.get_page(trace.counts.page_number)
    context = {
        "trace": trace,
        "diagram": trace_diagram(trace, labels=diagram_labels()),
        "action": action,
        "svg_url": svg_url,
        "csv_url": csv_url,
        **page_context(trace, page),
    }
    return render(request, "decisions/trace.html", context)


def trace_svg(request: HttpRequest, trace: Trace) -> HttpResponse:
    diagram = trace_diagram(trace, labels=diagram_labels())
    context = {"trace": trace, "diagram": diagram, "standalone": True}
    return render(request, "decisions/trace_diagram.svg", context, content_type="image/svg+xml")


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields strings."""

    def write(self, value: str) -> str:
        return value


def _cell(value):
    """Text written by people never starts a spreadsheet formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _chunks(trace: Trace, size: int = 32_768):
    """The CSV's lines joined into chunks of about ``size`` characters."""
    writer = csv.writer(_Echo())
    buffer: list[str] = []
    length = 0
    for row in _csv_rows(trace):
        line = writer.writerow([_cell(v) for v in row])
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def _csv_rows(trace: Trace):
    """Every source, one line each: the proposals (and those merged into them), the
    workshops they come from, the votes and the statements of opinion maps. Private and
    hidden sources are counted under their generic label, never named."""
    yield [
        _("Type"),
        _("Identifiant"),
        _("Titre"),
        _("Adresse"),
        _("Source de"),
        _("Lien établi par"),
        _("Lien établi le"),
        _("Note"),
        _("Personnes"),
        _("Par collège"),
    ]

    def colleges(contributions: Contributions | None, merged: bool) -> str:
        if contributions is None:
            return ""
        rows = contributions.by_college_merged() if merged else contributions.by_college()
        return ", ".join(f"{count} {label}" for _value, label, count in rows)

    for tp in trace.proposals:
        link = tp.link
        veiled = tp.is_private or tp.is_hidden
        yield [
            _("proposition source"),
            "" if tp.is_private else tp.proposal.pk,
            tp.title,
            "" if veiled else tp.proposal.get_absolute_url(),
            "",
            link.linked_by.public_name if link and link.linked_by else "",
            link.linked_at.date().isoformat() if link else "",
            link.note if link else "",
            tp.contributors.people if tp.contributors else "",
            colleges(tp.contributors, tp.is_private),
        ]
        for m in tp.merged:
            hidden = m.is_hidden and not m.is_private
            yield [
                _("proposition fusionnée"),
                "" if m.is_private else m.pk,
                hidden_label() if hidden else m.shown_title,
                "" if m.is_private or hidden else m.get_absolute_url(),
                "" if tp.is_private else tp.proposal.pk,
                "",
                "",
                "",
                "",
                "",
            ]
    for tw in trace.workshops:
        yield [
            _("atelier"),
            "" if tw.is_private else tw.workshop.pk,
            tw.title,
            tw.url,
            len(tw.proposal_ids),
            "",
            tw.workshop.starts_at.date().isoformat() if tw.workshop.starts_at else "",
            "",
            tw.participants.people,
            colleges(tw.participants, tw.is_private),
        ]
    for tv in trace.vote_sessions:
        yield [
            _("vote"),
            "" if tv.is_private else tv.session.pk,
            tv.title,
            tv.url,
            "",
            tv.link.linked_by.public_name if tv.link.linked_by else "",
            tv.link.linked_at.date().isoformat(),
            tv.link.note,
            tv.voters.people,
            colleges(tv.voters, tv.is_private),
        ]
    for ts in trace.statements:
        yield [
            _("affirmation"),
            "" if ts.is_private else ts.statement.pk,
            ts.title,
            ts.url,
            "",
            ts.link.linked_by.public_name if ts.link.linked_by else "",
            ts.link.linked_at.date().isoformat(),
            ts.link.note or "",
            ts.overall["voters"],
            "",
        ]


def trace_csv(request: HttpRequest, trace: Trace, *, filename: str) -> StreamingHttpResponse:
    """The full list of the sources, streamed (one line at a time once the trace is built)."""
    response = StreamingHttpResponse(_chunks(trace), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
