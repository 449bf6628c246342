"""The results of a vote session (aggregates only), and people counted by college.

Every result is built from ``GROUP BY`` queries (options, voters per college, choices per
option/value/college or words) handed to ``votes.tally``; nothing here iterates over
ballots, and nothing returned names a voter. ``votes.selectors`` re-exports the public
names (``results_compute``, ``college_label``, ``colleges_shown``…).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.models import College
from votes import tally
from votes.models import (
    MJ_GRADE_LABELS,
    AnswerWord,
    Ballot,
    BallotChoice,
    Method,
    VoteOption,
    VoteSession,
)


def college_label(key: str) -> str:
    if key == tally.OTHERS:
        return _("Autres collèges")
    return str(College(key).label) if key in College.values else key


@dataclass
class Results:
    session_id: int
    method: str
    ballots: int
    options: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    by_college: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "method": self.method,
            "ballots": self.ballots,
            "options": self.options,
            "words": self.words,
            "by_college": self.by_college,
        }


def _option_rows(session: VoteSession) -> list[dict[str, Any]]:
    return list(
        VoteOption.objects.filter(session=session)
        .order_by("order", "id")
        .values("id", "label", "proposal_id")
    )


@contextmanager
def consistent_read():
    """One database snapshot for several aggregate queries (ballots keep arriving meanwhile).

    PostgreSQL: a read-only REPEATABLE READ transaction, so that the number of
    ballots and the choices counted come from the same instant. SQLite: a
    transaction (its readers see one snapshot). Inside an existing transaction
    (closing, which holds the session lock that ballots wait for) nothing to do.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def results_compute(session: VoteSession, *, empty: bool = False) -> Results:
    """The whole result of a session, by college too (3 queries whatever the number of ballots).

    ``empty``: as before the first ballot (the live tally's starting point).
    """
    with consistent_read():
        return _results_compute(session, empty=empty)


def _results_compute(session: VoteSession, *, empty: bool = False) -> Results:
    def of_session(model):
        queryset = model.objects.filter(session=session)
        return queryset.none() if empty else queryset

    # Query 1: voters per college.
    voters = {
        row["college"]: row["n"]
        for row in of_session(Ballot).values("college").annotate(n=Count("id")).order_by()
    }
    total = sum(voters.values())
    result = Results(session_id=session.pk, method=session.method, ballots=total)

    if session.method == Method.OPEN_QUESTION:
        # Query 2: words (hidden answers have no words; hidden words are filtered here).
        counts = dict(
            of_session(AnswerWord)
            .exclude(word__in=session.hidden_words or [])
            .values_list("word")
            .annotate(n=Count("id"))
            .order_by()
        )
        result.words = [
            {"word": w.word, "count": w.count, "weight": w.weight} for w in tally.word_cloud(counts)
        ]
        return result

    # Query 2: options; query 3: choices per college, option and value.
    choices = _Choices(
        options=_option_rows(session),
        rows=list(
            of_session(BallotChoice)
            .values("college", "option_id", "value")
            .annotate(n=Count("id"))
            .order_by()
        ),
        total=total,
        mapping=tally.merge_small_groups(voters),
    )
    choices.groups = _ordered_groups(tally.group_voters(voters, choices.mapping))
    if session.method == Method.MAJORITY_JUDGMENT:
        _grade_results(result, choices)
    else:
        _count_results(result, choices, use_sum=session.method == Method.DOTS)
    return result


@dataclass
class _Choices:
    """What ``_results_compute`` read of a session's choices, for the tally of its method."""

    options: list[dict[str, Any]]
    rows: list[dict[str, Any]]  # choices counted per college, option and value
    total: int
    mapping: dict[str, str]  # college -> the group it is counted in
    groups: list[tuple[str, int]] = field(default_factory=list)  # (group, voters), in order

    @property
    def labels(self) -> dict[int, str]:
        return {o["id"]: o["label"] for o in self.options}

    @property
    def proposals(self) -> dict[int, int | None]:
        return {o["id"]: o["proposal_id"] for o in self.options}


def _grade_results(result: Results, choices: _Choices) -> None:
    """Majority judgment: the grade profiles of each option, overall and by college."""
    options, labels, proposals = choices.options, choices.labels, choices.proposals
    per_college: dict[str, dict[int, list[int]]] = defaultdict(
        lambda: {o["id"]: [0] * tally.MJ_GRADE_COUNT for o in options}
    )
    for row in choices.rows:
        if row["option_id"] in labels and 0 <= row["value"] < tally.MJ_GRADE_COUNT:
            per_college[row["college"]][row["option_id"]][row["value"]] += row["n"]
    overall = {o["id"]: [0] * tally.MJ_GRADE_COUNT for o in options}
    for counts in per_college.values():
        for option_id, profile in counts.items():
            overall[option_id] = [a + b for a, b in zip(overall[option_id], profile, strict=True)]
    padded = tally.pad_ungraded(overall, choices.total)
    result.options = [
        _mj_option(r, labels, proposals, choices.total) for r in tally.majority_judgment(padded)
    ]
    merged = tally.merge_by_group(dict(per_college), choices.mapping)
    for group, n in choices.groups:
        group_profiles = tally.pad_ungraded(
            {o["id"]: merged.get(group, {}).get(o["id"], [0] * 7) for o in options}, n
        )
        result.by_college.append(
            {
                "college": group,
                "label": college_label(group),
                "voters": n,
                "options": [
                    _mj_option(r, labels, proposals, n)
                    for r in tally.majority_judgment(group_profiles)
                ],
            }
        )


def _count_results(result: Results, choices: _Choices, *, use_sum: bool) -> None:
    """Support and poll count choices; dots add them up (``use_sum``)."""
    options, labels, proposals = choices.options, choices.labels, choices.proposals
    per_college_counts: dict[str, dict[int, int]] = defaultdict(
        lambda: {o["id"]: 0 for o in options}
    )
    for row in choices.rows:
        if row["option_id"] in labels:
            per_college_counts[row["college"]][row["option_id"]] += (
                row["n"] * row["value"] if use_sum else row["n"]
            )
    overall_counts = {o["id"]: 0 for o in options}
    for counts in per_college_counts.values():
        for option_id, n in counts.items():
            overall_counts[option_id] += n
    denominator = None if use_sum else choices.total
    result.options = [
        _count_option(r, labels, proposals)
        for r in tally.rank_counts(overall_counts, denominator=denominator)
    ]
    merged_counts = tally.merge_by_group(dict(per_college_counts), choices.mapping)
    for group, n in choices.groups:
        counts = {o["id"]: int(merged_counts.get(group, {}).get(o["id"], 0)) for o in options}
        result.by_college.append(
            {
                "college": group,
                "label": college_label(group),
                "voters": n,
                "options": [
                    _count_option(r, labels, proposals)
                    for r in tally.rank_counts(counts, denominator=None if use_sum else n)
                ],
            }
        )


def colleges_shown(counts: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """People counted by college as every page, diagram, export, API answer and frame shows
    them: a college of fewer than ``tally.MIN_COLLEGE_VOTERS`` people goes into « Autres
    collèges » (``tally.merge_small_groups``), so that no one stands alone in a count.

    ``(group, label, count)``, colleges in their order, « Autres collèges » last, zeros out.
    Counts with several columns (on site / online…) group with the same mapping:
    ``colleges_mapping``.
    """
    grouped = tally.group_voters(counts, colleges_mapping(counts))
    return [(group, college_label(group), n) for group, n in _ordered_groups(grouped)]


def colleges_mapping(counts: Mapping[str, int]) -> dict[str, str]:
    """``{college: group shown}`` for people counted by college (see ``colleges_shown``)."""
    return tally.merge_small_groups(counts)


def _ordered_groups(groups_voters: dict[str, int]) -> list[tuple[str, int]]:
    order = {key: i for i, key in enumerate([*College.values, tally.OTHERS])}
    return sorted(groups_voters.items(), key=lambda item: order.get(item[0], 99))


def _mj_option(r: tally.MJResult, labels, proposals, total: int) -> dict[str, Any]:
    return {
        "id": r.option,
        "label": labels[r.option],
        "proposal": proposals[r.option],
        "rank": r.rank,
        "majority_grade": r.majority_grade,
        "majority_grade_label": str(MJ_GRADE_LABELS[r.majority_grade]),
        "profile": list(r.profile),
        "voters": total,
    }


def _count_option(r: tally.CountResult, labels, proposals) -> dict[str, Any]:
    return {
        "id": r.option,
        "label": labels[r.option],
        "proposal": proposals[r.option],
        "rank": r.rank,
        "count": r.count,
        "share": round(r.share, 4),
    }
