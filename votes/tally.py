"""Tallies: pure functions over counts the database has already aggregated.

Nothing here touches the ORM or loops over ballots: callers pass the result
of a ``GROUP BY`` (``{option: count}``, ``{option: [count per grade]}``,
``{word: count}``) and get plain, ranked results back. That keeps the hot
path (a live snapshot several times a second) to one aggregate query, and
lets hypothesis check the arithmetic on its own.

Majority judgment follows Balinski and Laraki: the majority grade is the
lower median; ties are broken by the *majority value*, the sequence of grades
obtained by repeatedly removing one median grade, compared lexicographically
(higher is better). Two options tie only when their profiles are identical.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cmp_to_key
from itertools import accumulate
from typing import cast

# --- Majority judgment ------------------------------------------------------

# Index 0 is the worst grade, as in the counts the database returns.
MJ_GRADE_COUNT = 7


@dataclass(frozen=True)
class MJResult:
    option: Hashable
    majority_grade: int
    rank: int
    profile: tuple[int, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(self.profile)


def _grades_from_center(profile: Sequence[int]) -> Iterator[int]:
    """The majority value of a profile: medians in the order median removal yields them.

    Removing the lower median from a sorted list of k grades leaves the next
    median right next to it, so the sequence walks outwards from the centre,
    alternating sides: for odd k it is a[m], a[m-1], a[m+1], a[m-2], …; for
    even k it is a[m], a[m+1], a[m-1], a[m+2], …, with m = (k - 1) // 2.
    The grade at a sorted position is found from the cumulative counts, so
    this is O(log grades) per step and never expands the profile.
    """
    cumulative = list(accumulate(profile))
    total = cumulative[-1] if cumulative else 0
    if total == 0:
        return
    m = (total - 1) // 2

    def at(index: int) -> int:
        return bisect_right(cumulative, index)

    yield at(m)
    low, high = m - 1, m + 1
    # After the first removal, k - 1 grades remain: lower side first if that is even.
    lower_first = (total - 1) % 2 == 0
    while low >= 0 or high < total:
        first, second = (low, high) if lower_first else (high, low)
        for index in (first, second):
            if 0 <= index < total:
                yield at(index)
        low -= 1
        high += 1


def majority_grade(profile: Sequence[int]) -> int:
    """The lower median grade of a profile (0, the worst grade, when it is empty)."""
    return next(_grades_from_center(profile), 0)


def _compare_profiles(a: Sequence[int], b: Sequence[int]) -> int:
    """-1 if ``a`` ranks better than ``b``, 1 if worse, 0 if their majority values are equal."""
    for grade_a, grade_b in zip(_grades_from_center(a), _grades_from_center(b), strict=False):
        if grade_a != grade_b:
            return -1 if grade_a > grade_b else 1
    return 0


def majority_judgment(profiles: Mapping[Hashable, Sequence[int]]) -> list[MJResult]:
    """Rank options by majority judgment, best first.

    ``profiles`` maps each option to its counts per grade, index 0 being the
    worst grade; every option must have the same total (an ungraded option
    counts as the worst grade: the caller adds those). Ranks are 1-based and
    shared only by identical profiles; tied options keep their input order.
    """
    normalised = {option: tuple(int(c) for c in counts) for option, counts in profiles.items()}
    if not normalised:
        return []
    width = max(len(counts) for counts in normalised.values())
    normalised = {o: c + (0,) * (width - len(c)) for o, c in normalised.items()}
    if any(c < 0 for counts in normalised.values() for c in counts):
        raise ValueError("grade counts cannot be negative")
    totals = {sum(counts) for counts in normalised.values()}
    if len(totals) > 1:
        raise ValueError("every option must have the same number of grades")
    by_profile = cmp_to_key(_compare_profiles)
    ordered = sorted(normalised.items(), key=lambda item: by_profile(item[1]))
    results: list[MJResult] = []
    for position, (option, counts) in enumerate(ordered):
        if position and _compare_profiles(ordered[position - 1][1], counts) == 0:
            rank = results[-1].rank
        else:
            rank = position + 1
        results.append(
            MJResult(
                option=option, majority_grade=majority_grade(counts), rank=rank, profile=counts
            )
        )
    return results


def pad_ungraded(
    profiles: Mapping[Hashable, Sequence[int]], voters: int, grades: int = MJ_GRADE_COUNT
) -> dict[Hashable, list[int]]:
    """Count every voter who left an option ungraded as its worst grade (index 0)."""
    padded: dict[Hashable, list[int]] = {}
    for option, counts in profiles.items():
        row = [int(c) for c in counts] + [0] * (grades - len(counts))
        missing = voters - sum(row)
        if missing < 0:
            raise ValueError("more grades than voters")
        row[0] += missing
        padded[option] = row
    return padded


# --- Counts: support/approval, dots, quick poll ------------------------------


@dataclass(frozen=True)
class CountResult:
    option: Hashable
    count: int
    share: float  # of the total counted (ballots for support and poll, dots for dots)
    rank: int


def rank_counts(
    counts: Mapping[Hashable, int], *, denominator: int | None = None
) -> list[CountResult]:
    """Options by count, highest first; equal counts share a rank; input order breaks ties.

    ``denominator`` is what a share is a share of: the number of ballots for
    support and quick polls (an option's share of voters), by default the sum
    of the counts (dots: an option's share of the dots spent).
    """
    items = [(option, int(count)) for option, count in counts.items()]
    if any(count < 0 for _option, count in items):
        raise ValueError("counts cannot be negative")
    total = sum(count for _option, count in items) if denominator is None else denominator
    ordered = sorted(items, key=lambda item: -item[1])  # stable: ties keep input order
    results: list[CountResult] = []
    for position, (option, count) in enumerate(ordered):
        rank = results[-1].rank if position and ordered[position - 1][1] == count else position + 1
        results.append(
            CountResult(
                option=option, count=count, share=(count / total) if total else 0.0, rank=rank
            )
        )
    return results


# --- Results by college -----------------------------------------------------

OTHERS = "others"
MIN_COLLEGE_VOTERS = 3


def merge_small_groups(
    voters: Mapping[str, int], *, minimum: int = MIN_COLLEGE_VOTERS
) -> dict[str, str]:
    """Which group each college is shown under, so that no shown group has fewer than ``minimum`` voters.

    Colleges under the minimum go to ``others``. If ``others`` then has
    voters but still fewer than the minimum, the smallest shown college joins
    it too (else it could be read off as the total minus the shown colleges),
    until ``others`` is large enough or is all there is. Returns
    ``{college: shown group}`` for every college with voters.
    """
    mapping = {college: college for college, n in voters.items() if n > 0}
    for college in list(mapping):
        if voters[college] < minimum:
            mapping[college] = OTHERS

    def others_size() -> int:
        return sum(voters[c] for c, group in mapping.items() if group == OTHERS)

    while 0 < others_size() < minimum:
        shown = [c for c, group in mapping.items() if group != OTHERS]
        if not shown:
            break
        smallest = min(shown, key=lambda c: (voters[c], c))
        mapping[smallest] = OTHERS
    return mapping


def merge_by_group(
    rows: Mapping[str, Mapping[Hashable, int | Sequence[int]]], mapping: Mapping[str, str]
) -> dict[str, dict[Hashable, int | list[int]]]:
    """Add up per-college counts (ints or per-grade lists) into the shown groups."""
    merged: dict[str, dict[Hashable, int | list[int]]] = {}
    for college, counts in rows.items():
        group = mapping.get(college)
        if group is None:
            continue
        target = merged.setdefault(group, {})
        for option, value in counts.items():
            if isinstance(value, int):
                target[option] = int(cast(int, target.get(option, 0))) + value
            else:
                current = cast("list[int] | None", target.get(option)) or [0] * len(value)
                target[option] = [a + b for a, b in zip(current, value, strict=True)]
    return merged


def group_voters(voters: Mapping[str, int], mapping: Mapping[str, str]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for college, n in voters.items():
        group = mapping.get(college)
        if group is not None:
            merged[group] = merged.get(group, 0) + n
    return merged


# --- Word cloud --------------------------------------------------------------

# Common French function words; a cloud of "de", "la" and "et" says nothing.
_STOP_WORDS_TEXT = """
    a à ai aie aient aies ait alors as au aucun aucune aussi autre aux avec avez avoir avons
    bon c ça car ce ceci cela celle celles celui ces cet cette ceux chaque ci comme comment d
    dans de des donc dont du elle elles en encore entre es est et étaient était étant été être
    eu eux fait faire fais faut fois font ici il ils j je jusqu l la là le les leur leurs lui m
    ma mais me même mes moi moins mon n ne ni non nos notre nous on ont ou où par parce pas
    peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se
    ses si sien son sont sous suis sur t ta te tes toi ton tous tout toute toutes très tu un
    une unes uns vers via voici voilà vos votre vous y
"""
FRENCH_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
WORD_MIN_LENGTH = 2
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


def normalise_words(text: str) -> list[str]:
    """The words of a free answer as the cloud counts them, each once.

    Case-folded, accents kept (« été » and « ete » stay different words),
    elided articles dropped (« l'industrie » → « industrie »), French stop
    words and one-letter words removed, first-seen order.
    """
    text = unicodedata.normalize("NFC", text or "").replace("’", "'")
    words: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0).casefold()
        # Elision: l'usine, d'emploi, qu'on → usine, emploi, on.
        if "'" in word:
            head, _sep, tail = word.partition("'")
            if head in FRENCH_STOP_WORDS:
                word = tail
        word = word.strip("-'")
        if len(word) < WORD_MIN_LENGTH or word in FRENCH_STOP_WORDS or word in words:
            continue
        words.append(word)
    return words


@dataclass(frozen=True)
class CloudWord:
    word: str
    count: int
    weight: int  # 1 (smallest) … 5 (largest), on a square-root scale of the count


def word_cloud(counts: Mapping[str, int], *, limit: int = 60) -> list[CloudWord]:
    """The most frequent words, each with a size class; alphabetical among equal counts."""
    items = sorted(
        ((w, int(n)) for w, n in counts.items() if n > 0), key=lambda item: (-item[1], item[0])
    )[:limit]
    if not items:
        return []
    top = items[0][1]
    cloud = []
    for word, count in items:
        weight = 1 + round(4 * (count**0.5 - 1) / (top**0.5 - 1)) if top > 1 else 3
        cloud.append(CloudWord(word=word, count=count, weight=max(1, min(5, weight))))
    return cloud
