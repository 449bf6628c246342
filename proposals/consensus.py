"""« Soutenues dans tous les collèges »: support rates by college, smoothed, lowest first.

A proposal's support rate in a college is the share of that college's people who
support it. The denominator is **the people of that college who supported at least
one of the proposals considered** (the board with its filters, or a summary's
scope), counted from ``Support.user_college``: the college's participants in this
board. Registered accounts are not used: workshop guests and accounts that never
opened the board would measure each college's sign-up campaigns, not its agreement.

Colleges follow the platform's small-college rule (``votes.tally.merge_small_groups``):
a college of fewer than 3 such people is counted in « Autres collèges », never alone.

Smoothing (the prior): every group's rate is pulled toward the mean rate of the
board, ``p̄ = supports / (proposals × people)``, with the weight of ``PRIOR_WEIGHT``
people who would support at that mean rate::

    rate_g = (supports_g + m·p̄) / (people_g + m),   m = PRIOR_WEIGHT = 10

A college of hundreds barely moves; a college of 3 counts for less than a third of its
own evidence, so 1 support of 3 experts is not read as « 33 % of the experts » against a
proposal that 300 people support. (Pol.is's consensus uses the same additive form with
a uniform prior, (agrees + 1) / (voters + 2); supports are rare, so a prior centred on
0.5 would flatter every college: the board's mean is the honest centre.) A proposal is
ranked by its LOWEST group rate: what every college backs comes first; ties by supports.

Everything is computed in the database: two aggregate queries for the board's figures,
then one correlated count per college group in the ordered query (not per row fetched).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Least

from accounts.models import College
from proposals.models import Support
from votes import tally

PRIOR_WEIGHT = 10


@dataclass(frozen=True)
class BoardFigures:
    """The board's college groups (people per group, colleges in each) and its mean rate."""

    people: dict[str, int] = field(default_factory=dict)  # group -> people
    colleges: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group -> colleges
    mean: float = 0.0

    def rate(self, supports: int, group: str) -> float:
        return (supports + PRIOR_WEIGHT * self.mean) / (self.people[group] + PRIOR_WEIGHT)

    def rates(self, by_college: Mapping[str, int]) -> dict[str, float]:
        """``{group: smoothed rate}`` from a proposal's supports by college."""
        return {
            group: self.rate(sum(by_college.get(c, 0) for c in colleges), group)
            for group, colleges in self.colleges.items()
        }


def board_figures(proposals: QuerySet) -> BoardFigures:
    """People per college group and the mean rate over ``proposals`` (2 queries)."""
    rows = (
        Support.objects.filter(proposal__in=proposals.order_by().values("pk"))
        .values_list("user_college")
        .annotate(people=Count("user", distinct=True), supports=Count("pk"))
        .order_by()
    )
    people: dict[str, int] = {}
    supports = 0
    for college, n, s in rows:
        people[college] = n
        supports += s
    if not people:
        return BoardFigures()
    mapping = tally.merge_small_groups(people)
    grouped = tally.group_voters(people, mapping)
    order = {key: i for i, key in enumerate([*College.values, tally.OTHERS])}
    groups = sorted(grouped, key=lambda g: order.get(g, 99))
    colleges = {g: tuple(sorted(c for c, shown in mapping.items() if shown == g)) for g in groups}
    count = proposals.order_by().count()
    mean = supports / (count * sum(people.values())) if count else 0.0
    return BoardFigures(people={g: grouped[g] for g in groups}, colleges=colleges, mean=mean)


def annotate(qs: QuerySet, figures: BoardFigures) -> QuerySet:
    """``qs`` with ``consensus``: the lowest smoothed group rate (0 while nobody supports)."""
    rates = []
    for group, colleges in figures.colleges.items():
        count = (
            Support.objects.filter(proposal=OuterRef("pk"), user_college__in=colleges)
            .order_by()
            .values("proposal")
            .annotate(n=Count("pk"))
            .values("n")
        )
        supports = Cast(
            Coalesce(Subquery(count, output_field=IntegerField()), Value(0)), FloatField()
        )
        rates.append(
            (supports + Value(PRIOR_WEIGHT * figures.mean, output_field=FloatField()))
            / Value(float(figures.people[group] + PRIOR_WEIGHT), output_field=FloatField())
        )
    if not rates:
        return qs.annotate(consensus=Value(0.0, output_field=FloatField()))
    lowest = rates[0] if len(rates) == 1 else Least(*rates)
    return qs.annotate(consensus=lowest)


def ordered(qs: QuerySet, figures: BoardFigures) -> QuerySet:
    return annotate(qs, figures).order_by(
        F("consensus").desc(), "-support_count", "-created_at", "-pk"
    )


def united_and_divided(proposals: QuerySet, *, limit: int) -> dict:
    """For a summary: the proposals every college backs more than the average proposal
    (highest lowest rate first) and those
    the colleges split on (largest gap between the highest and lowest group rate; not one
    listed as uniting), among proposals with at least one support, ``limit`` of each. Needs
    at least two groups (else nothing to compare). 4 queries whatever the number of rows."""
    figures = board_figures(proposals)
    if len(figures.colleges) < 2:
        return {"available": False}
    rows = (
        Support.objects.filter(proposal__in=proposals.order_by().values("pk"))
        .values_list("proposal_id", "user_college")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for pk, college, n in rows:
        counts.setdefault(pk, {})[college] = n
    scored = []
    for pk, by_college in counts.items():
        rates = figures.rates(by_college)
        scored.append(
            {"id": pk, "rates": rates, "low": min(rates.values()), "high": max(rates.values())}
        )
    supports = {pk: sum(c.values()) for pk, c in counts.items()}
    # What unites: every college above the board's mean rate (the smoothed rate is above
    # p̄ exactly when the raw one is), the highest lowest rate first.
    united = sorted(
        (i for i in scored if i["low"] > figures.mean),
        key=lambda i: (-i["low"], -supports[i["id"]], i["id"]),
    )[:limit]
    # What divides: the largest gaps, among those not already listed as uniting.
    united_ids = {i["id"] for i in united}
    divided = sorted(
        (i for i in scored if i["id"] not in united_ids and i["high"] > i["low"]),
        key=lambda i: (-(i["high"] - i["low"]), -supports[i["id"]], i["id"]),
    )[:limit]
    shown = {i["id"] for i in united + divided}
    titles = dict(proposals.filter(pk__in=shown).values_list("pk", "title"))

    def row(item: dict) -> dict:
        pk = item["id"]
        return {
            "id": pk,
            "title": titles.get(pk, ""),
            "supports": supports[pk],
            "lowest_pct": round(100 * item["low"], 1),
            "gap_points": round(100 * (item["high"] - item["low"]), 1),
            "rates": [
                {"college": g, "pct": round(100 * item["rates"][g], 1)} for g in figures.colleges
            ],
        }

    return {
        "available": True,
        "prior_weight": PRIOR_WEIGHT,
        "mean_pct": round(100 * figures.mean, 2),
        "groups": [{"college": g, "people": n} for g, n in figures.people.items()],
        "united": [row(i) for i in united],
        "divided": [row(i) for i in divided],
    }
